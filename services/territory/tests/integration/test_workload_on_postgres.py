"""Workload tracking on PostgreSQL: migration 0002 (the table, the reset of the old counts),
the tracked-item repository through the use cases (routing's count, leads' report of it, a
batch of events), and two transactions about one new item at once."""

import collections
import json
import threading

import pytest
from sqlalchemy import create_engine, func, insert, inspect, select

from crm_territory import migrate
from crm_territory.adapters import orm
from crm_territory.domain.routing import Outcome
from crm_territory.domain.workload import ItemFact, ItemKind
from crm_territory.service_layer import routing, workload
from crm_testkit import temporary_postgres_database, wait_until

from .org_builder import WORKER, lead, unique
from .test_concurrent_routing import waiting_on_locks

pytestmark = pytest.mark.integration
LEAD, DEAL = ItemKind.LEAD, ItemKind.DEAL


def test_0002_creates_tracked_items_and_starts_the_old_counts_again_at_zero():
    with temporary_postgres_database("territory_wl") as url:
        migrate.upgrade(url, "0001_initial")
        engine = create_engine(url)
        try:
            members = {"u1": [4, 0, "2026-01-05", 2, 17, 17], "u2": [3, 1, None, 0, 0, 5]}
            with engine.begin() as conn:
                conn.execute(
                    insert(orm.team_ledgers).values(team_id="T", seq=2, members=json.dumps(members))
                )
            migrate.upgrade(url)
            with engine.connect() as conn:
                assert "tracked_items" in inspect(conn).get_table_names()
                stored = json.loads(conn.execute(select(orm.team_ledgers.c.members)).scalar())
            assert stored == {"u1": [4, 0, "2026-01-05", 2, 0, 17], "u2": [3, 1, None, 0, 0, 5]}
            migrate.downgrade(url, "0001_initial")
            with engine.connect() as conn:
                assert "tracked_items" not in inspect(conn).get_table_names()
        finally:
            engine.dispose()


def ledger_counts(engine, team_id) -> dict[str, int]:
    with engine.connect() as conn:
        text = conn.execute(
            select(orm.team_ledgers.c.members).where(orm.team_ledgers.c.team_id == team_id)
        ).scalar_one()
    return {uid: load[4] for uid, load in json.loads(text).items() if load[4]}


def tracked_counts(engine, team_id) -> dict[str, int]:
    t = orm.tracked_items
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.owner_user_id, func.count())
            .where(t.c.team_id == team_id, t.c.open.is_(True), t.c.owner_user_id != "")
            .group_by(t.c.owner_user_id)
        ).all()
    return dict(rows)


def test_routed_leads_count_once_and_events_move_them(deps, org, engine):
    team, _, _, reps, campaign = org.sales_team(2)
    decisions = routing.route_leads(
        deps, WORKER, leads=[lead(campaign=campaign, version=1) for _ in range(4)]
    )
    assert all(d.outcome is Outcome.ROUTED for d in decisions)
    assert (
        ledger_counts(engine, team.id)
        == tracked_counts(engine, team.id)
        == {reps[0]: 2, reps[1]: 2}
    )
    # leads applies the decisions (lead_assigned, same owner): nothing moves, versions do.
    for d in decisions:
        workload.apply_item_facts(
            deps, WORKER, facts=[ItemFact(LEAD, d.lead_id, 2, owner=(team.id, d.owner_user_id))]
        )
    assert ledger_counts(engine, team.id) == {reps[0]: 2, reps[1]: 2}
    with deps.uow() as uow:
        item = uow.tracked_items.get(LEAD, decisions[0].lead_id)
    assert (item.team_id, item.owner_user_id, item.open, item.owner_version, item.open_version) == (
        team.id,
        decisions[0].owner_user_id,
        True,
        2,
        1,
    )
    # One event with two facts (a merge), a late older one, a deal of the same team.
    first, second = decisions[0], decisions[1]
    deal_id = unique("deal")
    changed = workload.apply_item_facts(
        deps,
        WORKER,
        facts=[
            ItemFact(LEAD, first.lead_id, 3, open=False),
            ItemFact(LEAD, second.lead_id, 3, owner=(team.id, reps[1]), open=True),
            ItemFact(LEAD, second.lead_id, 2, owner=(team.id, reps[0])),
            ItemFact(DEAL, deal_id, 1, owner=(team.id, reps[0]), open=True),
        ],
    )
    assert changed == 3
    expected = collections.Counter(
        [reps[1] if d is second else d.owner_user_id for d in decisions if d is not first]
        + [reps[0]]
    )
    assert ledger_counts(engine, team.id) == tracked_counts(engine, team.id) == expected


def test_two_events_about_one_new_item_at_once_are_applied_one_after_the_other(deps, org, engine):
    """lead_assigned and lead_status_changed of a lead territory never saw, on two queues:
    the first waits on the team's ledger; the second inserts the item and commits; the first's
    insert then fails on the primary key and it runs again on the second's row."""
    team, _, _, reps, _ = org.sales_team(1)
    lead_id, errors = unique("lead"), []

    def assign():
        try:
            workload.apply_item_facts(
                deps, WORKER, facts=[ItemFact(LEAD, lead_id, 2, owner=(team.id, reps[0]))]
            )
        except Exception as exc:  # noqa: BLE001 - any failure of the thread is reported below
            errors.append(exc)

    gate = engine.connect()
    transaction = gate.begin()
    gate.execute(
        select(orm.team_ledgers).where(orm.team_ledgers.c.team_id == team.id).with_for_update()
    )
    thread = threading.Thread(target=assign)
    try:
        thread.start()
        wait_until(
            lambda: waiting_on_locks(engine) >= 1,
            timeout=30,
            message="the assignment did not queue on the ledger lock",
        )
        # Closed at v3 (disqualified): no ledger to lock, commits at once.
        workload.apply_item_facts(deps, WORKER, facts=[ItemFact(LEAD, lead_id, 3, open=False)])
    finally:
        transaction.commit()
        gate.close()
        thread.join(60)
    assert not errors, errors
    with deps.uow() as uow:
        item = uow.tracked_items.get(LEAD, lead_id)
    assert (item.owner_user_id, item.open, item.owner_version, item.open_version) == (
        reps[0],
        False,
        2,
        3,
    )
    assert ledger_counts(engine, team.id) == tracked_counts(engine, team.id) == {}


def test_the_sqlite_file_of_make_run_tracks_workload(tmp_path):
    from crm_territory.entrypoints.settings import TerritorySettings
    from crm_territory.entrypoints.wiring import build_dependencies

    from .org_builder import MemoryDirectory, OrgBuilder

    url = f"sqlite:///{tmp_path / 'territory.db'}"
    migrate.upgrade(url)
    deps = build_dependencies(
        TerritorySettings.load("territory", env={}, database_url=url), directory=MemoryDirectory()
    )
    team, _, _, reps, campaign = OrgBuilder(deps).sales_team(2)
    [d] = routing.route_leads(deps, WORKER, leads=[lead(campaign=campaign, version=1)])
    workload.apply_item_facts(
        deps, WORKER, facts=[ItemFact(LEAD, d.lead_id, 2, owner=(team.id, d.owner_user_id))]
    )
    workload.apply_item_facts(
        deps, WORKER, facts=[ItemFact(DEAL, "D1", 1, owner=(team.id, reps[1]), open=True)]
    )
    with deps.uow() as uow:
        loads = uow.ledgers.get(team.id).members
    counts = {u: m.open_items for u, m in loads.items() if m.open_items}
    assert counts == collections.Counter([d.owner_user_id, reps[1]])
