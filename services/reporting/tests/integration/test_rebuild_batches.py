"""The rebuild's bulk path (adapters/rebuild_load.py) gives exactly the live read models, table by
table and row by row, whatever its chunk, page and batch sizes and with its fold in worker
processes, on PostgreSQL (truncate, indexes dropped and built again, COPY, staged running totals)
and on SQLite (delete and multi-row INSERTs); the indexes are all back and the run is recorded."""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))  # test_running_totals' seeded deals

from reporting_events import activity, at
from reporting_fakes import NOW
from reporting_fixture import fixture_events
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from test_marketing_consumption import account_event, campaign_event, lead_events
from test_running_totals import _events

from crm.deals.v1 import resources_pb2 as deals_res
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters import orm, rebuild_load
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import consumption
from crm_reporting.service_layer.consumption import rebuild, rebuild_status, record_event
from crm_testkit.fakes import FixedClock

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
REBUILD = Caller.system("reporting-rebuild")


def _every_event() -> list:
    return [
        *fixture_events(),
        *_events(11),
        *lead_events(),
        campaign_event(),
        account_event(1, deals_res.RELATIONSHIP_CUSTOMER),
        activity("a1", "call", occurred=at("2026-02-02")),
        activity("a2", "task", due=at("2026-02-03"), done=at("2026-02-04")),
        activity("a2", "task", due=at("2026-02-03"), version=2, event_type="activity_updated"),
    ]


def _tables(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(conn.execute(select(table)).tuples().all(), key=repr)
            for table in orm.READ_MODELS
        }


def _indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            )
            .tuples()
            .all()
        )


def _live_then_rebuilt(engine: Engine, monkeypatch, processes: int) -> None:
    deps = wiring.build_dependencies(
        settings.load(env={}), engine=engine, clock=FixedClock(NOW), scopes=None
    )
    try:
        events = _every_event()  # some redelivered: stored once
        for event in events:
            record_event(deps, WORKER, event=event)
        stored = len({event.event_id for event in events})
        live = _tables(engine)
        assert live["deal_facts"] and live["deal_totals"] and live["stage_stays"]
        assert live["marketing_won_deals"] and live["marketing_leads"] and live["activity_facts"]
        # Small chunks, pages and batches: aggregates meet chunk edges, later batches add to
        # running totals earlier ones staged.
        monkeypatch.setattr(rebuild_load, "CHUNK", 4)
        monkeypatch.setattr(rebuild_load, "PAGE", 3)
        monkeypatch.setattr(consumption, "REBUILD_BATCH", 5)
        result = rebuild(deps, REBUILD, processes=processes)
        assert result.events == stored
        assert _tables(engine) == live
        last = rebuild_status(deps, WORKER).last
        assert last is not None and last.succeeded and last.events == stored
        # Again, over rebuilt models: the same rows.
        rebuild(deps, REBUILD, processes=processes)
        assert _tables(engine) == live
    finally:
        deps.close()


@pytest.fixture
def pg(engine):
    with engine.begin() as conn:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox, orm.rebuild_runs):
            conn.execute(delete(table))
    return engine


@pytest.mark.parametrize("processes", [0, 2])
def test_the_bulk_rebuild_on_postgres_gives_the_live_tables(pg, monkeypatch, processes):
    indexes = _indexes(pg)
    assert any(name == "ix_deal_facts_status_created" for name, _ in indexes)
    _live_then_rebuilt(pg, monkeypatch, processes)
    assert _indexes(pg) == indexes


def test_a_failed_bulk_rebuild_leaves_the_tables_and_indexes(pg, monkeypatch):
    deps = wiring.build_dependencies(
        settings.load(env={}), engine=pg, clock=FixedClock(NOW), scopes=None
    )
    try:
        for event in _every_event():
            record_event(deps, WORKER, event=event)
        live, indexes = _tables(pg), _indexes(pg)

        def broken(events):
            raise RuntimeError("an event no longer translates")

        monkeypatch.setattr(consumption, "fold_aggregate", broken)
        with pytest.raises(RuntimeError):
            rebuild(deps, REBUILD)
        assert (_tables(pg), _indexes(pg)) == (live, indexes)
        last = rebuild_status(deps, WORKER).last
        assert last is not None and not last.succeeded
    finally:
        deps.close()


def test_the_bulk_rebuild_on_sqlite_gives_the_live_tables(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        _live_then_rebuilt(engine, monkeypatch, 0)
    finally:
        engine.dispose()
