"""Migrations and the SQL repositories on PostgreSQL (and the SQLite file of `make run`),
exercised through the real use cases."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_territory import migrate
from crm_territory.adapters import orm
from crm_territory.domain.access import Action
from crm_territory.domain.routing import Outcome
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.entrypoints.wiring import build_dependencies
from crm_territory.service_layer import (
    absences,
    access,
    memberships,
    owners,
    people,
    routing,
    sales_lines,
    territories,
)
from crm_territory.service_layer.org import assign_unit_manager
from crm_testkit.migrations import migration_round_trip_tests

from .org_builder import (
    ACCESS_CHECKER,
    ADMIN,
    LEAD_ROUTER,
    OWNER_CHOOSER,
    WORKER,
    MemoryDirectory,
    OrgBuilder,
    lead,
    priority,
    rule,
    unique,
)

pytestmark = pytest.mark.integration


def _structure_version_starts_at_zero(connection, dialect_name):
    assert connection.execute(select(orm.org_version.c.version)).scalar_one() == 0


# Upgrade to head equals the ORM's tables, downgrade to base leaves only the version table,
# upgrade again works: on PostgreSQL and on the SQLite file of `make run`.
test_postgres_round_trip, test_sqlite_round_trip = migration_round_trip_tests(
    migrate, orm.metadata, "territory", after_upgrade=_structure_version_starts_at_zero
)


def test_structure_round_trips_and_is_served_from_the_cache_until_it_changes(deps, org):
    division = org.unit(unique("EMEA"))
    region = org.unit(unique("DACH"), division)
    boss = unique("boss")
    org.person(boss, departments=("sales",))
    managed = assign_unit_manager(deps, ADMIN, unit_id=region.id, user_id=boss)
    team = org.team(unique("Berlin"), region, RoutingStrategy.LOAD_BALANCED, "Europe/Berlin")
    org.member(team, unique("rep"))
    line = org.line(unique("Enterprise"), team)
    # Every rule names a campaign of its own: tests share the database and would otherwise
    # route (or preview) into each other's territories.
    own = unique("campaign")
    territory = org.territory(
        unique("DE"),
        line,
        team,
        priority(),
        rule("DE big", campaign=[own], country=["DE"], company_size=[("50", "")]),
        rule(
            "AT revenue",
            campaign=[own],
            country=["AT"],
            annual_revenue=([("1000000.50", "")], "EUR"),
        ),
    )
    territories.set_rules(
        deps,
        ADMIN,
        territory_id=territory.id,
        rules=[
            rule("DE big", campaign=[own], country=["DE"], company_size=[("50", "")]),
            rule("FR", campaign=[own], country=["FR"]),
        ],
        expected_rules_version=1,
        comment="FR instead of AT",
    )

    cache = deps.uow()._org_cache
    with deps.uow() as uow:
        units, teams = uow.units.all(), uow.teams.all()
        assert units[region.id].parent_id == division.id and units[region.id].level == 2
        assert units[region.id].manager_user_ids == managed.manager_user_ids == {boss}
        assert teams[team.id].strategy is RoutingStrategy.LOAD_BALANCED
        assert teams[team.id].time_zone == "Europe/Berlin"
        stored = uow.territories.get(territory.id)
        assert [v.version for v in stored.history] == [1, 2]
        revenue = stored.history[0].rules[1].conditions[2]
        assert revenue.ranges[0].minimum == Decimal("1000000.50") and revenue.currency == "EUR"
        assert [r.name for r in stored.rules] == ["DE big", "FR"]
        assert stored.history[1].comment == "FR instead of AT"
        assert uow.sales_lines.get(line.id).team_ids == [team.id]
        units[region.id].name = "changed but never saved"
    hits = cache.hits
    with deps.uow() as uow:
        assert uow.units.get(region.id).name == region.name  # copies: the cache is intact
    assert cache.hits == hits + 1
    misses = cache.misses
    org.unit(unique("Nordics"), division)  # a write moves the version on
    with deps.uow() as uow:
        assert len(uow.units.all()) == len(units) + 1
    assert cache.misses == misses + 1


def test_people_memberships_absences_and_access_round_trip(deps, org):
    team, _line, _, reps, _ = org.sales_team(2)
    supervisor = unique("sup")
    membership = org.member(team, supervisor, TeamRole.SUPERVISOR, capacity=5)
    memberships.set_paused(deps, ADMIN, membership_id=membership.id, paused=True)
    leave = absences.record_absence(
        deps,
        ADMIN,
        user_id=reps[0],
        starts_at=deps.clock.now(),
        ends_at=deps.clock.now() + dt.timedelta(days=3),
        reason="holiday",
    )
    with deps.uow() as uow:
        stored = uow.memberships.get(membership.id)
        assert (stored.role, stored.daily_capacity, stored.paused, stored.takes_leads) == (
            TeamRole.SUPERVISOR,
            5,
            True,
            True,
        )
        assert uow.memberships.get(membership.id) is stored  # one object per unit of work
        assert {m.user_id for m in uow.memberships.for_team(team.id)} == {*reps, supervisor}
        assert [a.id for a in uow.absences.for_users([reps[0]])] == [leave.id]
        person = uow.people.get(supervisor)
        assert person.departments == frozenset({"sales"}) and person.access_version >= 1
    decision = access.check_access(
        deps,
        ACCESS_CHECKER,
        user_id=supervisor,
        action=Action.REASSIGN,
        team_id=team.id,
        record_owner_id=reps[1],
    )
    assert decision.allowed
    # identity deactivates the supervisor: the scopes are empty at once
    user = deps.directory.put(supervisor, active=False, version=5)
    assert people.record_user(deps, WORKER, user=user) == [supervisor]
    decision = access.check_access(
        deps,
        ACCESS_CHECKER,
        user_id=supervisor,
        action=Action.READ,
        team_id=team.id,
        record_owner_id="",
    )
    assert not decision.allowed
    with deps.uow() as uow:
        outbox = (
            uow.session.execute(
                select(orm.outbox.c.event_type)
                .where(orm.outbox.c.aggregate_id == supervisor)
                .order_by(orm.outbox.c.id)
            )
            .scalars()
            .all()
        )
    assert outbox[-1] == "user_access_changed"


def test_memberships_of_several_teams_and_ledgers_saved_together(deps, org):
    first, _, _, first_reps, _ = org.sales_team(2)
    second, _, _, second_reps, _ = org.sales_team(3)
    with deps.uow() as uow:
        by_team = uow.memberships.for_teams([second.id, first.id, "no-such-team", first.id])
        assert set(by_team) == {first.id, second.id, "no-such-team"}
        assert {m.user_id for m in by_team[first.id]} == set(first_reps)
        assert {m.user_id for m in by_team[second.id]} == set(second_reps)
        assert by_team["no-such-team"] == []
        assert by_team[first.id][0] is uow.memberships.get(by_team[first.id][0].id)
        one, two = uow.ledgers.get(first.id), uow.ledgers.get(second.id)
        one.record_assignment(first_reps[0], dt.date(2026, 1, 5))
        two.record_assignment(second_reps[1], dt.date(2026, 1, 5))
        two.record_assignment(second_reps[2], dt.date(2026, 1, 5))
        uow.ledgers.save_many([one, two])
        uow.commit()
    with deps.uow() as uow:
        one, two = uow.ledgers.get(first.id), uow.ledgers.get(second.id)
        assert (one.seq, one.members[first_reps[0]].total_assigned) == (1, 1)
        assert two.seq == 2 and {u for u, m in two.members.items() if m.total_assigned} == {
            second_reps[1],
            second_reps[2],
        }


def test_targets_keep_exact_decimals_and_replace_by_period(deps, org):
    team, line, _, _, _ = org.sales_team(1)
    for amount in ("1000000.10", "250000.05"):
        sales_lines.set_targets(
            deps, ADMIN, line_id=line.id, period="2026-Q1", rows=[(team.id, amount, "EUR", 12)]
        )
    with deps.uow() as uow:
        [target] = uow.targets.for_line(line.id)
    assert target.amount.amount == Decimal("250000.05") and target.amount.currency == "EUR"
    assert (target.period.label, target.deal_count) == ("2026-Q1", 12)
    assert target.units == ()
    units = [("p-1", "", "12.5", "case"), ("", "Beverages", "0.0001", "")]
    sales_lines.set_targets(
        deps, ADMIN, line_id=line.id, period="2026-Q1", rows=[(team.id, "1", "EUR", 1, units)]
    )
    with deps.uow() as uow:
        [target] = uow.targets.for_line(line.id)
    assert [(u.product_id, u.product_group, u.quantity, u.unit) for u in target.units] == [
        ("p-1", "", Decimal("12.5"), "case"),
        ("", "Beverages", Decimal("0.0001"), ""),
    ]


def test_decisions_round_trip_with_their_explanation_and_the_queue_pages(deps, org):
    team, _line, territory, reps, campaign = org.sales_team(2)
    routed, lost_1, lost_2 = routing.route_leads(
        deps,
        WORKER,
        leads=[
            lead(campaign=campaign, company_size=12),
            lead(campaign="no such campaign"),
            lead(campaign="no such campaign either"),
        ],
    )
    assert routed.outcome is Outcome.ROUTED and lost_1.in_queue
    again = routing.get_decision(deps, LEAD_ROUTER, lead_id=routed.lead_id)
    assert again.summary() == routed.summary()
    assert again.match.territory.name == territory.name and again.match.rules_version == 1
    assert [n.user_id for n in again.choice.notes] == sorted(reps)
    assert again.lead == routed.lead
    with deps.uow() as uow:
        ledger = uow.ledgers.get(team.id)
        assert ledger.members[routed.owner_user_id].total_assigned == 1
        assert uow.decisions.count_for_team(team.id) == 1

    seen, cursor = [], ""
    while True:
        page = routing.list_unassigned(deps, LEAD_ROUTER, page_size=1, cursor=cursor)
        seen += [d.lead_id for d in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    # Every queued lead once, in (decided_at, lead_id) order, however the pages fall.
    assert {lost_1.lead_id, lost_2.lead_id} <= set(seen) and len(seen) == len(set(seen))
    same_batch = [i for i in seen if i in (lost_1.lead_id, lost_2.lead_id)]
    assert same_batch == sorted(same_batch)
    # A person sees only the queues of their teams; the database filters by queue team.
    assert routing.list_unassigned(deps, ADMIN).items == []
    with deps.uow() as uow:
        assert uow.decisions.queued(None, 10, {unique("no-such-team")}) == []
        in_its_queue = uow.decisions.queued(None, 10_000, {lost_1.team_id})
        assert lost_1.lead_id in {d.lead_id for d in in_its_queue}
    assert routing.leave_queue(deps, WORKER, lead_id=lost_1.lead_id)
    assert not routing.leave_queue(deps, WORKER, lead_id=lost_1.lead_id)
    with deps.uow() as uow:
        assert not uow.decisions.get(lost_1.lead_id).in_queue
    # A batch of assignments (one statement): only the still queued lead counts, once, however
    # often it is named; a routed lead, one already taken and an unknown one change nothing.
    batch = [lost_2.lead_id, routed.lead_id, lost_1.lead_id, unique("no-such-lead"), lost_2.lead_id]
    assert routing.take_out_of_queue(deps, WORKER, lead_ids=batch) == 1
    assert routing.take_out_of_queue(deps, WORKER, lead_ids=batch) == 0
    with deps.uow() as uow:
        assert not uow.decisions.get(lost_2.lead_id).in_queue
        assert uow.decisions.get(routed.lead_id).summary() == routed.summary()


def test_owner_choices_are_remembered_per_subject(deps, org):
    team, _, _, reps, _ = org.sales_team(2)
    first = owners.choose_owners(
        deps, OWNER_CHOOSER, team_id=team.id, subject_ids=["deal-1", "deal-2"]
    )
    again = owners.choose_owners(
        deps, OWNER_CHOOSER, team_id=team.id, subject_ids=["deal-2", "deal-1"]
    )
    assert {s: c.owner_user_id for s, c in first.items()} == {
        s: c.owner_user_id for s, c in again.items()
    }
    assert {c.owner_user_id for c in first.values()} == set(reps)


def test_the_sqlite_file_of_make_run_migrates_and_routes(tmp_path):
    url = f"sqlite:///{tmp_path / 'territory.db'}"
    migrate.upgrade(url)
    deps = build_dependencies(
        TerritorySettings.load("territory", env={}, database_url=url), directory=MemoryDirectory()
    )
    builder = OrgBuilder(deps)
    _team, _, _, reps, campaign = builder.sales_team(2)
    first = routing.route_leads(deps, WORKER, leads=[lead(campaign=campaign) for _ in range(4)])
    assert sorted(d.owner_user_id for d in first) == sorted(reps * 2)
    assert (
        routing.route_leads(deps, WORKER, leads=[first[0].lead])[0].owner_user_id
        == first[0].owner_user_id
    )
    with deps.uow() as uow:
        count = uow.session.execute(
            select(func.count())
            .select_from(orm.outbox)
            .where(orm.outbox.c.event_type == "lead_routed")
        ).scalar_one()
    assert count == 4


def test_moving_a_member_ends_the_old_membership_at_once_and_publishes_it(deps, org):
    source, _, _, reps, _ = org.sales_team(2)
    target, _, _, _, _ = org.sales_team(1)
    mover = reps[0]
    old, new = memberships.move_member(
        deps, ADMIN, user_id=mover, from_team_id=source.id, to_team_id=target.id
    )
    with deps.uow() as uow:
        stored = {m.team_id: m for m in uow.memberships.for_user(mover)}
        events_of_move = uow.session.execute(
            select(orm.outbox.c.event_type, orm.outbox.c.aggregate_id)
            .where(orm.outbox.c.aggregate_id.in_([old.id, new.id, mover]))
            .order_by(orm.outbox.c.id)
        ).all()
    assert stored[source.id].ends_at == old.ends_at and stored[source.id].ends_at is not None
    assert stored[target.id].ends_at is None and stored[target.id].starts_at == old.ends_at
    assert [e.event_type for e in events_of_move][-3:] == [
        "membership_changed",
        "membership_changed",
        "user_access_changed",
    ]
    scopes = access.list_scopes(deps, ACCESS_CHECKER, user_id=mover)
    assert [s.team_id for s in scopes.scopes] == [target.id]
