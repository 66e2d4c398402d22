"""Two workers routing at once on PostgreSQL: the team's ledger row is locked while one routes,
so the same queue place is never given away twice, and a lead decided by one worker is a
duplicate for the other (its insert fails on the unique lead id, it rolls back and routes the
batch again, finding the first decision)."""

import threading

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text

from crm_territory.adapters import orm
from crm_territory.service_layer import routing
from crm_testkit import wait_until

from .org_builder import WORKER, lead

pytestmark = pytest.mark.integration


def waiting_on_locks(engine) -> int:
    # A fresh transaction each time: pg_stat_activity is a snapshot per transaction.
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        ).scalar_one()


def route_concurrently(deps, engine, team_id, batches):
    """Hold the team's ledger lock, start one routing thread per batch, wait until all of
    them queue on the lock, release it; returns each thread's decisions."""
    results, errors = [None] * len(batches), []

    def run(index, leads):
        try:
            results[index] = routing.route_leads(deps, WORKER, leads=leads)
        except Exception as exc:  # noqa: BLE001 - any failure of the thread is reported below
            errors.append(exc)

    gate = engine.connect()
    transaction = gate.begin()
    gate.execute(
        select(orm.team_ledgers).where(orm.team_ledgers.c.team_id == team_id).with_for_update()
    )
    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(batches)]
    try:
        for thread in threads:
            thread.start()
        wait_until(
            lambda: waiting_on_locks(engine) >= len(batches),
            timeout=30,
            message="the routing transactions did not queue on the ledger lock",
        )
    finally:
        transaction.commit()
        gate.close()
        for thread in threads:
            thread.join(60)
    assert not errors, errors
    return results


def ledger_seq(engine, team_id) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(orm.team_ledgers.c.seq).where(orm.team_ledgers.c.team_id == team_id)
        ).scalar_one()


def routed_events(engine, lead_id) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(orm.outbox)
            .where(orm.outbox.c.aggregate_id == lead_id, orm.outbox.c.event_type == "lead_routed")
        ).scalar_one()


def test_the_same_lead_routed_by_two_workers_at_once_is_decided_once(deps, org, engine):
    team, _, _, _reps, campaign = org.sales_team(2)
    routing.route_leads(deps, WORKER, leads=[lead(campaign=campaign)])
    seq = ledger_seq(engine, team.id)
    duplicates = REGISTRY.get_sample_value("territory_routing_duplicates_total") or 0
    same = lead(campaign=campaign)

    first, second = route_concurrently(deps, engine, team.id, [[same], [same]])

    assert first[0].owner_user_id == second[0].owner_user_id != ""
    assert routed_events(engine, same.lead_id) == 1
    assert ledger_seq(engine, team.id) == seq + 1
    assert REGISTRY.get_sample_value("territory_routing_duplicates_total") == duplicates + 1
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(orm.routing_decisions)
                .where(orm.routing_decisions.c.lead_id == same.lead_id)
            ).scalar_one()
            == 1
        )


def test_two_workers_routing_different_leads_of_one_team_take_consecutive_places(deps, org, engine):
    team, _, _, reps, campaign = org.sales_team(2)
    routing.route_leads(deps, WORKER, leads=[lead(campaign=campaign)])
    seq = ledger_seq(engine, team.id)
    a, b = lead(campaign=campaign), lead(campaign=campaign)

    first, second = route_concurrently(deps, engine, team.id, [[a], [b]])

    # Round robin over two members: consecutive places go to different people.
    assert {first[0].owner_user_id, second[0].owner_user_id} == set(reps)
    assert ledger_seq(engine, team.id) == seq + 2
    assert routed_events(engine, a.lead_id) == routed_events(engine, b.lead_id) == 1
