"""The event store and read models on PostgreSQL give the in-memory store's figures for the
hand-computed fixture, whatever the order of the events, and the rebuild gives the live ones."""

from __future__ import annotations

import random

import pytest
from reporting_fakes import NOW, FakeScopes, World, default_roles
from reporting_fixture import fixture_events
from sqlalchemy import delete

from crm_chassis.caller import Caller
from crm_reporting.adapters import orm
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import business, reports
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_testkit.fakes import FixedClock

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
MIA = Caller(subject_id="mia")
T1 = Scope(ScopeKind.TEAM, "t1")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10", time_zone="Europe/Berlin")


@pytest.fixture
def sql(engine):
    with engine.begin() as conn:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox):
            conn.execute(delete(table))
    deps = wiring.build_dependencies(
        settings.load(env={}),
        engine=engine,
        clock=FixedClock(NOW),
        scopes=FakeScopes(default_roles()),
    )
    yield deps
    deps.close()


def every_report(deps):
    return [
        reports.dashboard(deps, MIA, scope=T1, period=Q1),
        reports.lost_reasons_report(deps, MIA, scope=T1, period=Q1),
        reports.leaderboard_report(deps, MIA, scope=T1, period=Q1),
        reports.targets_report(deps, MIA, scope=T1, period=Q1),
        reports.cycle_report(deps, MIA, scope=Scope(ScopeKind.PERSON, "bob"), period=Q1),
        reports.win_rate_report(
            deps, Caller(subject_id="uma"), scope=Scope(ScopeKind.UNIT, "north"), period=Q1
        ),
        reports.win_rate_report(
            deps, Caller(subject_id="ceo"), scope=Scope(ScopeKind.COMPANY), period=Q1
        ),
    ]


def test_postgres_gives_the_in_memory_figures_and_the_rebuild_the_live_ones(sql):
    events = fixture_events()
    memory = World()
    for event in events:
        record_event(memory.deps, WORKER, event=event)
    shuffled = events + events[:5]
    random.Random(7).shuffle(shuffled)
    for event in shuffled:
        record_event(sql, WORKER, event=event)
    live = every_report(sql)
    for on_postgres, in_memory in zip(live, every_report(memory.deps), strict=True):
        assert on_postgres == in_memory
    result = rebuild(sql, Caller.system("reporting-rebuild"))
    assert (result.events, every_report(sql)) == (len(events), live)


def test_the_business_figures_per_line(sql):
    for event in fixture_events():
        record_event(sql, WORKER, event=event)
    sql.clock.set(NOW.replace(month=3, day=20))  # March 2026: d3 won 2000 EUR
    (line,) = business.business_figures(sql, WORKER)
    assert (line.sales_line_id, line.open_deals, line.won_deals) == ("line-1", 2, 1)
    assert line.open_value.rounded() == [("EUR", 1400)] and line.won_value.rounded() == [
        ("EUR", 2000)
    ]


def test_sqlite_gives_the_same_figures(tmp_path):
    """`make run` keeps reporting on SQLite: the same derivation and reads give the same figures."""
    from crm_chassis.db import make_engine
    from crm_reporting import migrate

    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    deps = wiring.build_dependencies(
        settings.load(env={}),
        engine=engine,
        clock=FixedClock(NOW),
        scopes=FakeScopes(default_roles()),
    )
    memory = World()
    try:
        for event in fixture_events():
            record_event(deps, WORKER, event=event)
            record_event(memory.deps, WORKER, event=event)
        for on_sqlite, in_memory in zip(every_report(deps), every_report(memory.deps), strict=True):
            assert on_sqlite == in_memory
    finally:
        deps.close()
        engine.dispose()
