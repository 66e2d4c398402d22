"""Territory's routing and access decisions through the real use cases and PostgreSQL
repositories, in one process (no gRPC, no broker): what one worker can decide.

Organisation: 1 division, 4 regions, 8 teams of 6 experts (round robin and load balanced),
one sales line, 8 territories of 3 rules each (country + postal prefix, country + size band,
country catch-all), leads spread over the 8 countries with a fixed seed. Routing a lead
includes the decision with its full explanation (every candidate), its row, the team ledger
under SELECT ... FOR UPDATE and the lead_routed outbox row.

- bulk import: ``route_leads`` in batches of 250 (one transaction each); target ≥ 2,000/s.
- one lead per transaction (what a lead_created event costs without batching).
- CheckAccess through the service layer (a member on their team, a unit manager above, a
  stranger), p50/p99.

    .venv/bin/python -m bench.territory_bench
"""

from __future__ import annotations

import random
import time
import uuid

from crm_testkit import temporary_postgres_database

COUNTRIES = ("DE", "AT", "CH", "FR", "NL", "BE", "IT", "ES")
TEAM_SIZE = 6
BATCH = 250


class _Directory:
    """identity's directory stand-in: everyone is an active sales person."""

    def lookup(self, user_id):
        from crm_territory.service_layer.ports import DirectoryUser

        return DirectoryUser(user_id, user_id, True, frozenset({"sales"}), frozenset(), 1)


def _organisation(deps):
    from crm_territory.domain.sales_lines import WorkflowKind
    from crm_territory.domain.teams import RoutingStrategy, TeamRole
    from crm_territory.service_layer import memberships, org, sales_lines, teams, territories
    from crm_territory.service_layer.caller import Caller
    from crm_territory.service_layer.territories import ConditionInput, RuleInput

    admin = Caller("bench-admin", roles=frozenset({"admin"}))
    division = org.create_unit(deps, admin, name="Europe", department="sales")
    regions = [
        org.create_unit(deps, admin, name=f"Region {i}", parent_id=division.id) for i in range(4)
    ]
    manager = "bench-manager"
    org.assign_unit_manager(deps, admin, unit_id=regions[0].id, user_id=manager)
    team_list, members = [], {}
    for i, country in enumerate(COUNTRIES):
        strategy = RoutingStrategy.LOAD_BALANCED if i % 2 else RoutingStrategy.ROUND_ROBIN
        team = teams.create_team(
            deps, admin, name=f"Team {country}", unit_id=regions[i % 4].id, strategy=strategy
        )
        members[team.id] = [f"rep-{country}-{k}" for k in range(TEAM_SIZE)]
        for user_id in members[team.id]:
            memberships.add_member(
                deps, admin, team_id=team.id, user_id=user_id, role=TeamRole.EXPERT
            )
        team_list.append(team)
    line = sales_lines.create_sales_line(
        deps,
        admin,
        name="SMB",
        description="small and medium businesses",
        workflow_kind=WorkflowKind.QUOTE,
        pipeline_id="pipe-smb",
        team_ids=[t.id for t in team_list],
    )
    for i, (country, team) in enumerate(zip(COUNTRIES, team_list, strict=False)):
        rules = [
            RuleInput(
                f"{country} capital",
                [ConditionInput("country", [country]), ConditionInput("postal_code", ["10", "11"])],
            ),
            RuleInput(
                f"{country} mid-size",
                [
                    ConditionInput("country", [country]),
                    ConditionInput("company_size", ranges=[("51", "251")]),
                ],
            ),
            RuleInput(f"{country} rest", [ConditionInput("country", [country])]),
        ]
        territories.create_territory(
            deps,
            admin,
            name=f"Territory {country}",
            sales_line_id=line.id,
            team_id=team.id,
            priority=i + 1,
            rules=rules,
        )
    return team_list, members, manager


def _leads(n: int, seed: int):
    from crm_territory.domain.leads import LeadFacts

    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    return [
        LeadFacts(
            f"lead-{run}-{i}",
            country=rng.choice(COUNTRIES),
            postal_code=f"{rng.randint(10, 99)}{rng.randint(100, 999)}",
            company_size=rng.choice((5, 30, 120, 600)),
            lead_source="web_form",
        )
        for i in range(n)
    ]


def _percentiles(samples_ns: list[int]) -> dict:
    samples_ns.sort()
    n = len(samples_ns)
    return {
        "n": n,
        "p50_us": round(samples_ns[n // 2] / 1000, 1),
        "p99_us": round(samples_ns[min(n - 1, int(n * 0.99))] / 1000, 1),
    }


def _route_rate(deps, leads, batch: int) -> tuple[int, int]:
    """(decisions per second of wall time, per second of this process's CPU time). On a busy
    machine the second moves much less: it leaves out waiting for PostgreSQL and for the CPU."""
    from crm_territory.service_layer import routing
    from crm_territory.service_layer.caller import Caller

    worker = Caller.system("territory-worker")
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(leads), batch):
        routing.route_leads(deps, worker, leads=leads[i : i + batch])
    return (
        round(len(leads) / (time.perf_counter() - started)),
        round(len(leads) / (time.process_time() - cpu)),
    )


def _check_access(deps, team_list, members, manager, n: int) -> dict:
    from crm_chassis.service_roles import CHECK_ACCESS
    from crm_territory.domain.access import Action
    from crm_territory.service_layer import access
    from crm_territory.service_layer.caller import Caller

    service = Caller("leads", kind="service", roles=frozenset({CHECK_ACCESS}))
    team = team_list[0]
    askers = [
        (members[team.id][0], Action.UPDATE, members[team.id][0]),  # expert, own record
        (manager, Action.TRANSFER, members[team.id][1]),  # unit manager above
        (members[team_list[1].id][0], Action.READ, ""),
    ]  # another team's rep
    samples = []
    for i in range(n + 200):
        user_id, action, owner = askers[i % len(askers)]
        started = time.perf_counter_ns()
        access.check_access(
            deps, service, user_id=user_id, action=action, team_id=team.id, record_owner_id=owner
        )
        if i >= 200:  # the first calls warm the caches and the pool
            samples.append(time.perf_counter_ns() - started)
    return _percentiles(samples)


def run(n_bulk: int = 10_000, n_single: int = 1_000, n_access: int = 3_000) -> dict:
    from crm_territory import migrate
    from crm_territory.entrypoints.settings import TerritorySettings
    from crm_territory.entrypoints.wiring import build_dependencies

    with temporary_postgres_database("bench_territory") as url:
        migrate.upgrade(url)
        settings = TerritorySettings.load("territory", env={}, database_url=url)
        deps = build_dependencies(settings, directory=_Directory())
        team_list, members, manager = _organisation(deps)
        _route_rate(deps, _leads(1_000, seed=1), BATCH)  # warm-up
        bulk, bulk_cpu = _route_rate(deps, _leads(n_bulk, seed=2), BATCH)
        single, _ = _route_rate(deps, _leads(n_single, seed=3), 1)
        checks = _check_access(deps, team_list, members, manager, n_access)
    rows = [
        (f"route decisions, batches of {BATCH} (bulk import)", bulk, "/s", f"n={n_bulk}"),
        (
            f"route decisions per CPU-second of the process, batches of {BATCH}",
            bulk_cpu,
            "/s",
            "leaves out PostgreSQL and waiting for a CPU",
        ),
        ("route decisions, one lead per transaction", single, "/s", f"n={n_single}"),
        ("CheckAccess (service layer) p50", checks["p50_us"], "µs", f"n={checks['n']}"),
        ("CheckAccess (service layer) p99", checks["p99_us"], "µs", f"n={checks['n']}"),
    ]
    return {
        "title": "territory: routing and access decisions (use cases + PostgreSQL, one process)",
        "rows": rows,
        "checks": [
            (f"≥ 2,000 route decisions/s in batches of {BATCH} in one worker", bulk >= 2000)
        ],
        "notes": f"8 teams of {TEAM_SIZE} experts, 8 territories × 3 rules; every decision "
        "stores its full explanation and writes lead_routed to the outbox.",
    }


if __name__ == "__main__":
    for name, value, unit, note in run()["rows"]:
        print(f"{name:<55} {value:>10} {unit:<3} {note}")
