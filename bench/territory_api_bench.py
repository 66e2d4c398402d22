"""territory's access and routing reads through gRPC on PostgreSQL, against the raw grpcio floor.

* CheckAccess (a service asking about a member, the call leads and deals make when their replica
  cannot answer) and ListScopes (a user's own scopes);
* PreviewRoute: "where would this lead go and why" over 20 territories of 5 rules each, the
  match in the last territory (every rule before it tried), the owner picked among 8 members.

The api runs ``crm_territory.entrypoints.api.start`` with the production wiring (its own
process); only the token verifier is a static key (the bench signs its tokens instead of running
identity). The organisation is made through the use cases beforehand.

    .venv/bin/python -m bench.territory_api_bench
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

import grpc

from bench.grpc_floor import raw_floor
from bench.identity_bench import _timed  # n sequential calls -> p50/p99 in µs
from bench.servers import serving_child
from crm.territory.v1 import access_pb2, access_pb2_grpc, routing_pb2, routing_pb2_grpc
from crm_chassis.gc_tuning import tune_for_service
from crm_chassis.service_roles import CHECK_ACCESS
from crm_testkit import temporary_postgres_database
from crm_testkit.auth import TestKeys

TARGET_RATIO = 3.0  # platform target: an authenticated read p50 <= 3x the raw floor
TERRITORIES, RULES, MEMBERS = 20, 5, 8


def build_organisation(database_url: str) -> dict:
    """Division > region > team with MEMBERS experts, one line, TERRITORIES territories of
    RULES rules each (country rules; the last territory takes DE). Returns the ids used."""
    from crm_territory import migrate
    from crm_territory.domain.sales_lines import WorkflowKind
    from crm_territory.domain.teams import TeamRole
    from crm_territory.entrypoints.settings import TerritorySettings
    from crm_territory.entrypoints.wiring import build_dependencies
    from crm_territory.service_layer import (
        memberships,
        org,
        people,
        sales_lines,
        teams,
        territories,
    )
    from crm_territory.service_layer.caller import Caller
    from crm_territory.service_layer.ports import DirectoryUser, UserDirectory
    from crm_territory.service_layer.territories import ConditionInput, RuleInput

    class Directory(UserDirectory):  # identity's answers for the bench's people
        def lookup(self, user_id):
            return DirectoryUser(user_id, user_id, True, frozenset({"sales"}), frozenset(), 1)

    migrate.upgrade(database_url)
    deps = build_dependencies(
        TerritorySettings.load("territory", env={}, database_url=database_url),
        directory=Directory(),
    )
    admin = Caller("bench-admin", roles=frozenset({"admin"}))
    division = org.create_unit(deps, admin, name="EMEA", department="sales")
    region = org.create_unit(deps, admin, name="DACH", parent_id=division.id)
    team = teams.create_team(deps, admin, name="Reps", unit_id=region.id)
    reps = [f"rep-{i}" for i in range(MEMBERS)]
    for rep in reps:
        people.record_user(deps, Caller.system("territory-worker"), user=deps.directory.lookup(rep))
        memberships.add_member(deps, admin, team_id=team.id, user_id=rep, role=TeamRole.EXPERT)
    line = sales_lines.create_sales_line(
        deps,
        admin,
        name="SMB",
        description="",
        workflow_kind=WorkflowKind.QUOTE,
        pipeline_id="pipe-smb",
        team_ids=[team.id],
    )
    countries = iter(f"{a}{b}" for a in "ABCFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLM")
    for t in range(TERRITORIES):
        codes = [next(countries) for _ in range(RULES)]
        if t == TERRITORIES - 1:
            codes[-1] = "DE"
        territories.create_territory(
            deps,
            admin,
            name=f"T{t:02d}",
            sales_line_id=line.id,
            team_id=team.id,
            priority=t + 1,
            rules=[
                RuleInput(f"r{r}", [ConditionInput("country", [code])])
                for r, code in enumerate(codes)
            ],
        )
    return {"team_id": team.id, "user_id": reps[0]}


def serve() -> None:
    """The api process of the bench: production wiring, a static verification key."""
    from crm_chassis.auth import StaticKeySource, TokenVerifier, public_key_from_pem
    from crm_chassis.logging import configure_logging
    from crm_territory.entrypoints import api
    from crm_territory.entrypoints import settings as settings_module
    from crm_territory.entrypoints.wiring import build_dependencies

    settings = settings_module.load()
    configure_logging(settings)
    with open(os.environ["BENCH_PUBLIC_KEY_PEM_FILE"]) as fh:
        public_key = public_key_from_pem(fh.read())
    verifier = TokenVerifier(
        StaticKeySource({os.environ["BENCH_KEY_ID"]: public_key}),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
    )
    running = api.start(settings, build_dependencies(settings), verifier=verifier, access_log=False)
    tune_for_service()  # as the api process does once serving (crm_chassis.gc_tuning)
    print(f"PORT {running.port}", flush=True)
    sys.stdin.read()  # runs until the bench closes our stdin
    running.stop(0)


@contextlib.contextmanager
def territory_server(database_url: str, keys: TestKeys):
    with tempfile.TemporaryDirectory(prefix="territory-bench-") as tmp:
        pem_file = os.path.join(tmp, "public.pem")
        with open(pem_file, "w") as fh:
            fh.write(keys.public_pem)
        env = dict(
            CRM_TERRITORY_DATABASE_URL=database_url,
            CRM_TERRITORY_GRPC_PORT="0",
            CRM_TERRITORY_METRICS_PORT="0",
            CRM_LOG_LEVEL="WARNING",
            BENCH_PUBLIC_KEY_PEM_FILE=pem_file,
            BENCH_KEY_ID=keys.kid,
        )
        with serving_child(
            ["-m", "bench.territory_api_bench", "--serve"], env, what="territory api"
        ) as address:
            yield address


def run(n: int = 2000) -> dict:
    floor = raw_floor(3000)
    keys = TestKeys()
    with temporary_postgres_database("bench_territory_api") as url:
        ids = build_organisation(url)
        service = (("authorization", f"Bearer {keys.token('leads', 'service', [CHECK_ACCESS])}"),)
        user = (("authorization", f"Bearer {keys.token(ids['user_id'], 'user')}"),)
        admin = (("authorization", f"Bearer {keys.token('bench-admin', 'user', ['admin'])}"),)
        with territory_server(url, keys) as address, grpc.insecure_channel(address) as channel:
            access = access_pb2_grpc.AccessServiceStub(channel)
            routing = routing_pb2_grpc.RoutingServiceStub(channel)
            check = access_pb2.CheckAccessRequest(
                user_id=ids["user_id"],
                team_id=ids["team_id"],
                action=access_pb2.ACCESS_ACTION_UPDATE,
            )
            scopes = access_pb2.ListScopesRequest(user_id=ids["user_id"])
            preview = routing_pb2.PreviewRouteRequest(lead=routing_pb2.LeadAttributes(country="DE"))
            calls = {
                "CheckAccess (service token)": lambda i: access.CheckAccess(
                    check, metadata=service
                ),
                "ListScopes (own, user token)": lambda i: access.ListScopes(scopes, metadata=user),
                f"PreviewRoute ({TERRITORIES * RULES} rules tried, {MEMBERS} members)": lambda i: (
                    routing.PreviewRoute(preview, metadata=admin)
                ),
            }
            answer = routing.PreviewRoute(preview, metadata=admin).decision
            assert answer.explanation.rules_tried == TERRITORIES * RULES, answer.explanation
            assert access.CheckAccess(check, metadata=service).allowed
            results = {}
            for name, call in calls.items():
                for i in range(200):
                    call(i)
                results[name] = _timed(call, n)
    rows = [
        ("raw grpcio echo (floor) p50", floor["p50_us"], "µs", f"n={floor['n']}"),
        ("raw grpcio echo (floor) p99", floor["p99_us"], "µs", f"n={floor['n']}"),
    ]
    for name, stats in results.items():
        rows.append((f"{name} p50", stats["p50_us"], "µs", f"n={stats['n']}"))
        rows.append((f"{name} p99", stats["p99_us"], "µs", f"n={stats['n']}"))
    check_p50 = results["CheckAccess (service token)"]["p50_us"]
    rows.append(("CheckAccess p50 / raw floor p50", round(check_p50 / floor["p50_us"], 2), "x", ""))
    return {
        "title": "territory access and routing reads over gRPC (PostgreSQL) vs the raw "
        "grpcio floor",
        "rows": rows,
        "checks": [
            (
                f"CheckAccess p50 <= {TARGET_RATIO:g}x the raw floor",
                check_p50 <= TARGET_RATIO * floor["p50_us"],
            )
        ],
        "notes": "Sequential calls on one channel; the api in its own process with the "
        "production wiring and log level WARNING; each call one transaction.",
    }


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        result = run()
        for name, value, unit, note in result["rows"]:
            print(f"{name:<60} {value:>10} {unit:<4} {note}")
        for description, passed in result["checks"]:
            print(f"{'PASS' if passed else 'FAIL'}  {description}")
