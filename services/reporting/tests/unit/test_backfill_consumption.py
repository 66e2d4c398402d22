"""Consuming deals' backfill (deal_snapshot, pipeline_snapshot): a reporting installed on a
running platform and fed only the snapshots reports what a reporting that saw every event
reports, for every figure of the deals' current state; a snapshot of a version already held, or
an older one arriving after a newer event, changes nothing."""

from __future__ import annotations

import pytest
from reporting_events import Deal, _stamp, at, org, pipeline, received
from reporting_fakes import World

from crm.deals.v1 import events_pb2 as deals_events
from crm_chassis import events as wire
from crm_chassis.caller import Caller
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import record_event

WORKER = Caller.system("reporting-worker")
MIA = Caller("mia")
TEAM = Scope.of(ScopeKind.TEAM, "t1", "")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10")
REPUBLISHED = at("2026-04-10")  # when deals re-published: not a business time


def feed(world, events):
    for event in events:
        record_event(world.deps, WORKER, event=event)


def deal_snapshot(deal: Deal):
    """deals' deal_snapshot of ``deal`` as it is now, at its current version."""
    message = deals_events.DealSnapshot(deal=deal.message)
    return received(
        "deals",
        _stamp(
            message, "deals", "deal_snapshot", "opportunity", deal.id, deal.version, REPUBLISHED
        ),
    )


def pipeline_snapshot():
    """deals' pipeline_snapshot of pipeline p1, the same pipeline pipeline_created carried."""
    created = wire.decode(pipeline().body, deals_events.PipelineCreated)
    message = deals_events.PipelineSnapshot(pipeline=created.pipeline)
    return received(
        "deals", _stamp(message, "deals", "pipeline_snapshot", "pipeline", "p1", 1, REPUBLISHED)
    )


def history():
    """Four deals of team t1 through a quarter: won, lost, reopened and won again, open."""
    a, b, c, d = Deal("a"), Deal("b", amount="500.00"), Deal("c"), Deal("d", amount="300.00")
    events = [
        a.created(at("2026-01-05")),
        a.moved("propose", at("2026-01-20")),
        a.won(at("2026-02-01"), actual="1200.00"),
        b.created(at("2026-01-06")),
        b.lost(at("2026-03-02"), reason="competitor", competitor="Initech"),
        c.created(at("2026-01-07")),
        c.lost(at("2026-01-30")),
        c.reopened(at("2026-02-05")),
        c.won(at("2026-03-10"), actual="800.00"),
        d.created(at("2026-02-15"), stage="propose"),
    ]
    return events, [a, b, c, d]


def figures(world):
    return (
        reports.win_rate_report(world.deps, MIA, scope=TEAM, period=Q1),
        reports.lost_reasons_report(world.deps, MIA, scope=TEAM, period=Q1),
        reports.cycle_report(world.deps, MIA, scope=TEAM, period=Q1).cycle,
        reports.forecast_report(world.deps, MIA, scope=TEAM, period=Q1),
        reports.leaderboard_report(world.deps, MIA, scope=TEAM, period=Q1, limit=10),
    )


@pytest.fixture
def live():
    world = World()
    events, deals = history()
    feed(world, [*org(), pipeline(), *events])
    world.deals = deals
    return world


def test_backfill_equals_live_for_the_deals_current_state(live):
    installed_late = World()
    feed(installed_late, [*org(), pipeline_snapshot(), *map(deal_snapshot, live.deals)])
    assert figures(installed_late) == figures(live)
    rate = figures(installed_late)[0]
    assert (rate.won, rate.lost) == (2, 1)


def test_a_snapshot_of_what_reporting_holds_changes_nothing(live):
    before = figures(live)
    feed(live, [pipeline_snapshot(), *map(deal_snapshot, live.deals)])
    assert figures(live) == before


def test_an_older_snapshot_arriving_after_a_newer_event_loses():
    world = World()
    deal = Deal("late")
    created = deal.created(at("2026-01-05"))
    stale = deal_snapshot(deal)  # read at version 1, delivered last
    won = deal.won(at("2026-02-01"), actual="900.00")
    feed(world, [*org(), pipeline(), created, won, stale])
    rate = reports.win_rate_report(world.deps, MIA, scope=TEAM, period=Q1)
    assert (rate.won, rate.lost) == (1, 0)
