"""Pipelines per territory on PostgreSQL: the worker keeps territories' pipeline choice from
territory_rules_changed (newest first, once) and a converted lead's opportunity goes into the
territory's pipeline; the SQL repositories find a line's default pipeline among several; the
migration keeps every existing pipeline as its line's default (PostgreSQL and SQLite)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import sqlalchemy.exc
from deals_fake_ports import FakeHandover, FakePricing
from deals_testkit import STAGES
from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
)
from test_pipeline_choice import _extra, _territory
from test_worker_handlers import line_changed
from test_worker_process import answers, conversion_requested

from crm.deals.v1 import events_pb2 as deals_events
from crm.territory.v1 import events_pb2 as territory_events
from crm.territory.v1 import territories_pb2
from crm_chassis import events
from crm_chassis.db import UtcDateTime
from crm_chassis.errors import FailedPrecondition
from crm_deals import migrate
from crm_deals.adapters import orm
from crm_deals.entrypoints import worker
from crm_deals.entrypoints.settings import load
from crm_deals.entrypoints.wiring import build_worker_dependencies
from crm_deals.service_layer import pipelines
from crm_deals.service_layer.access import Caller
from crm_testkit import temporary_postgres_database

pytestmark = pytest.mark.integration
ADMIN = Caller("root", roles=frozenset({"admin"}))


@pytest.fixture
def deps(database_url, engine):
    deps = build_worker_dependencies(
        load(env={}, database_url=database_url),
        engine=engine,
        pricing=FakePricing(),
        handover=FakeHandover(),
    )
    yield deps
    deps.close()


@pytest.fixture
def handlers(deps):
    """The worker class without nameko (as in test_worker_handlers.py)."""
    instance = worker.DealsWorker.__new__(worker.DealsWorker)
    instance.deps = deps
    return instance


def territory_changed(territory_id: str, line: str, team: str, pipeline_id: str, version: int):
    message = territory_events.TerritoryRulesChanged(
        territory=territories_pb2.Territory(
            id=territory_id,
            name="North",
            sales_line_id=line,
            team_id=team,
            priority=1,
            active=True,
            version=version,
            pipeline_id=pipeline_id,
        ),
        change=territory_events.CHANGE_KIND_UPDATED,
    )
    events.stamp(
        message,
        producer="territory",
        event_type="territory_rules_changed",
        aggregate_type="territory",
        aggregate_id=territory_id,
        aggregate_version=version,
    )
    return message


def test_the_worker_keeps_the_territorys_choice_and_conversions_follow_it(handlers, deps, engine):
    line, territory = f"line-{uuid.uuid4().hex[:8]}", f"terr-{uuid.uuid4().hex[:8]}"
    handlers.on_sales_line_changed(line_changed(line, f"Line {line}", 1))
    default = pipelines.create_pipeline(deps, ADMIN, sales_line_id=line, name="L", stages=STAGES)
    north = pipelines.create_pipeline(
        deps, ADMIN, sales_line_id=line, name="North", stages=STAGES, additional=True
    )
    named = territory_changed(territory, line, "team-a", north.id, 2)
    assert handlers.on_territory_rules_changed(named) is True
    assert handlers.on_territory_rules_changed(named) is False  # redelivered
    handlers.on_territory_rules_changed(territory_changed(territory, line, "team-a", "", 1))  # late
    with deps.uow() as uow:
        assert uow.pipelines.get_by_sales_line(line).id == default.id
        [kept] = uow.territory_pipelines.for_line_and_team(line, "team-a")
    assert (kept.pipeline_id, kept.version) == (north.id, 2)

    conversion = uuid.uuid4().hex
    handlers.on_lead_conversion_requested(conversion_requested(conversion, conversion, line, 1))
    [completed] = answers(
        engine, conversion, "lead_conversion_completed", deals_events.LeadConversionCompleted
    )
    with deps.uow() as uow:
        assert uow.opportunities.get(completed.opportunity_id).pipeline_id == north.id

    # territory names a pipeline deals does not have: recorded, and the conversion is refused
    # saying so (retryable: an administrator fixes the territory or creates the pipeline).
    handlers.on_territory_rules_changed(territory_changed(territory, line, "team-a", "pipe-x", 3))
    conversion = uuid.uuid4().hex
    handlers.on_lead_conversion_requested(conversion_requested(conversion, conversion, line, 1))
    [rejected] = answers(
        engine, conversion, "lead_conversion_rejected", deals_events.LeadConversionRejected
    )
    assert rejected.retryable
    assert "territory 'North'" in rejected.reason and "'pipe-x'" in rejected.reason


def test_pipeline_choice_on_the_sql_unit_of_work(sql_world):
    world = sql_world
    nordic = _extra(world)
    with world.deps.uow() as uow:
        assert uow.pipelines.get_by_sales_line("line-1").id == world.pipeline.id
    _territory(world, nordic.id)
    assert world.deal().pipeline_id == nordic.id
    _territory(world, "pipe-missing", version=2)
    with pytest.raises(FailedPrecondition) as err:
        world.deal()
    assert "'pipe-missing'" in err.value.message


def _pipeline_row(pipeline_id: str, line: str) -> dict:
    when = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    body = {
        "id": pipeline_id,
        "sales_line_id": line,
        "name": "Old",
        "stages": [],
        "created_at": when.isoformat(),
        "updated_at": when.isoformat(),
        "version": 1,
    }
    return dict(
        id=pipeline_id, sales_line_id=line, created_at=when, version=1, body=json.dumps(body)
    )


# pipelines as the schema before 0010_territory_pipelines has them
_OLD_PIPELINES = Table(
    "pipelines",
    MetaData(),
    Column("id", String(64), primary_key=True),
    Column("sales_line_id", String(64)),
    Column("created_at", UtcDateTime()),
    Column("version", BigInteger),
    Column("body", Text),
)


def _check_existing_pipelines_become_defaults(url: str) -> None:
    migrate.upgrade(url, "0009_privacy")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(_OLD_PIPELINES),
                [_pipeline_row("p-1", "line-1"), _pipeline_row("p-2", "line-2")],
            )
        migrate.upgrade(url)
        t = orm.pipelines
        with engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c.default_for_line).order_by(t.c.id)).all()
        assert [tuple(r) for r in rows] == [("p-1", "line-1"), ("p-2", "line-2")]
        with engine.begin() as conn:  # another pipeline of the line: fine
            extra = _pipeline_row("p-3", "line-1")
            conn.execute(insert(t).values(**extra, default_for_line=None))
        with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as conn:
            second = _pipeline_row("p-4", "line-1")  # a second default of line-1
            conn.execute(insert(t).values(**second, default_for_line="line-1"))
        # Down again is refused while a line has a pipeline besides its default.
        with pytest.raises(RuntimeError, match="not their line's default"):
            migrate.downgrade(url, "0009_privacy")
    finally:
        engine.dispose()


def test_existing_pipelines_become_their_lines_defaults_on_postgres():
    with temporary_postgres_database("deals_pipelines") as url:
        _check_existing_pipelines_become_defaults(url)


def test_existing_pipelines_become_their_lines_defaults_on_sqlite(tmp_path):
    _check_existing_pipelines_become_defaults(f"sqlite:///{tmp_path / 'deals.db'}")
