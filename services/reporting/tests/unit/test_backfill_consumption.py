"""Consuming deals' backfill (deal_snapshot, pipeline_snapshot): a reporting installed on a
running platform and fed only the snapshots reports what a reporting that saw every event
reports, for every figure of the deals' current state; a snapshot of a version already held, or
an older one arriving after a newer event, changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reporting_events import Deal, _stamp, at, org, pipeline, received, targets
from reporting_fakes import World

from crm.deals.v1 import events_pb2 as deals_events
from crm.territory.v1 import events_pb2 as territory_events
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


def territory_snapshot(event):
    """territory's snapshot of the record an org_unit_changed / team_changed / targets_changed
    ``event`` shows, at the same version."""
    kinds = {
        "org_unit_changed": (territory_events.OrgUnitChanged, territory_events.OrgUnitSnapshot),
        "team_changed": (territory_events.TeamChanged, territory_events.TeamSnapshot),
        "targets_changed": (territory_events.TargetsChanged, territory_events.TargetsSnapshot),
    }
    changed_cls, snapshot_cls = kinds[event.event_type]
    changed = wire.decode(event.body, changed_cls)
    snapshot = snapshot_cls()
    for field in snapshot_cls.DESCRIPTOR.fields:
        if field.name != "meta":
            value = getattr(changed, field.name)
            if field.message_type is not None and not field.is_repeated:
                getattr(snapshot, field.name).CopyFrom(value)
            elif field.is_repeated:
                getattr(snapshot, field.name).extend(value)
            else:
                setattr(snapshot, field.name, value)
    snapshot_type = event.event_type.replace("_changed", "_snapshot")
    return received(
        "territory",
        _stamp(
            snapshot,
            "territory",
            snapshot_type,
            event.aggregate_type,
            event.aggregate_id,
            event.version,
            REPUBLISHED,
        ),
    )


def test_territorys_backfill_gives_the_organisation_and_targets_the_live_events_gave(live):
    goals = [
        targets("line-1", "2026-Q1", 1, ("t1", "2000.00", "EUR", 2)),
        targets("line-1", "2026-Q1", 2, ("t1", "2500.00", "EUR", 3)),
    ]
    feed(live, goals)
    installed_late = World()
    structure = [*org(), goals[-1]]
    feed(
        installed_late,
        [
            *map(territory_snapshot, structure),
            pipeline_snapshot(),
            *map(deal_snapshot, live.deals),
        ],
    )
    unit_scope = Scope.of(ScopeKind.UNIT, "north", "")
    for scope in (TEAM, unit_scope):
        assert reports.targets_report(
            installed_late.deps, Caller("uma"), scope=scope, period=Q1
        ) == reports.targets_report(live.deps, Caller("uma"), scope=scope, period=Q1)
    (row,) = reports.targets_report(installed_late.deps, MIA, scope=TEAM, period=Q1)
    assert (row.target.amount, row.actual_amount) == (Decimal("2500.00"), Decimal("2000.00"))
