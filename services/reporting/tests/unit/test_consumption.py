"""Consumption: the read models do not depend on the order or repetition of events, the rebuild
from the event store gives the live figures, and the attribution rules hold (transfer,
reopening, hand-over)."""

from __future__ import annotations

import copy
import random
from decimal import Decimal

import pytest
from reporting_events import Deal, at, org, pipeline, targets, team
from reporting_fakes import MemoryEventStore, World
from reporting_fixture import fixture_events

from crm_chassis.caller import Caller
from crm_chassis.errors import PermissionDenied
from crm_chassis.messaging import retry
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import RebuildInProgress, rebuild, record_event

WORKER = Caller.system("reporting-worker")
MIA, CEO = Caller(subject_id="mia"), Caller(subject_id="ceo")
Q1 = resolve(PeriodKind.QUARTER, date="2026-01-10")
JAN, FEB = (
    resolve(PeriodKind.MONTH, date="2026-01-10"),
    resolve(PeriodKind.MONTH, date="2026-02-10"),
)


def feed(world: World, events) -> None:
    for event in events:
        record_event(world.deps, WORKER, event=event)


def read_models(world: World):
    state = copy.deepcopy(world.state)
    state.events = []
    state.rebuilds = []  # the rebuild's own record of its runs is no read model
    return state


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_reordered_and_repeated_events_give_the_figures_of_the_ordered_ones(seed):
    events = fixture_events()
    in_order, shuffled = World(), World()
    feed(in_order, events)
    messy = events + random.Random(seed).sample(events, k=len(events) // 2)
    random.Random(seed).shuffle(messy)
    feed(shuffled, messy)
    assert read_models(shuffled) == read_models(in_order)
    assert len(shuffled.state.events) == len(events)  # every event stored once


def test_a_late_event_changes_nothing_already_newer():
    world = World()
    deal = Deal("d1")
    created, moved, won = (
        deal.created(at("2026-01-05")),
        deal.moved("propose", at("2026-01-10")),
        deal.won(at("2026-01-20")),
    )
    feed(world, [created, won])
    assert world.state.deals["d1"].status == "won"
    feed(world, [moved])  # the stage change arrives last: the deal stays won
    fact = world.state.deals["d1"]
    assert (fact.status, fact.version) == ("won", 3)
    assert [s.stage_key for s in fact.stays] == ["qualify", "propose"]  # the stay is known now


def test_a_repeated_event_is_stored_once_and_reported_as_not_stored():
    world = World()
    event = Deal("d1").created(at("2026-01-05"))
    first = record_event(world.deps, WORKER, event=event)
    again = record_event(world.deps, WORKER, event=event)
    assert (first.stored, again.stored) == (True, False)
    assert len(world.state.events) == 1


def test_an_event_arriving_while_a_rebuild_holds_the_fence_is_refused_as_transient(monkeypatch):
    world = World()
    feed(world, [Deal("d1").created(at("2026-01-05"))])
    before = read_models(world)
    monkeypatch.setattr(MemoryEventStore, "admit_live_event", lambda self: False)
    with pytest.raises(RebuildInProgress) as refused:
        record_event(world.deps, WORKER, event=Deal("d2").created(at("2026-01-06")))
    assert len(world.state.events) == 1 and read_models(world) == before  # nothing of it
    # The worker's chassis holds such a delivery and runs it again, counting no delivery.
    assert retry.is_transient(refused.value)
    assert "python -m crm_reporting.rebuild" in str(refused.value)


def test_the_lag_is_measured_from_the_business_time_of_the_event():
    world = World()  # now = 2026-04-15 12:00
    result = record_event(world.deps, WORKER, event=Deal("d1").created(at("2026-04-15", 11)))
    assert result.lag_seconds == 3600.0


def test_rebuild_gives_the_live_read_models():
    world = World()
    feed(world, fixture_events())
    live = read_models(world)
    dashboard = reports.dashboard(world.deps, MIA, scope=Scope(ScopeKind.TEAM, "t1"), period=Q1)
    world.state.deals.clear()  # a damaged read model
    result = rebuild(world.deps, Caller.system("reporting-rebuild"))
    assert read_models(world) == live
    assert result.events == len(fixture_events())
    assert (
        reports.dashboard(world.deps, MIA, scope=Scope(ScopeKind.TEAM, "t1"), period=Q1)
        == dashboard
    )


def test_only_the_platform_records_events_or_rebuilds():
    world = World()
    with pytest.raises(PermissionDenied):
        record_event(world.deps, MIA, event=Deal("d1").created(at("2026-01-05")))
    with pytest.raises(PermissionDenied):
        rebuild(world.deps, MIA)


def _win_rate(world, caller, team_id, period):
    return reports.win_rate_report(
        world.deps, caller, scope=Scope(ScopeKind.TEAM, team_id), period=period
    )


def test_a_deal_transferred_before_it_is_won_counts_for_the_team_that_won_it():
    world = World()
    deal = Deal("d1")
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-01-05")),
            deal.transferred("t2", at("2026-01-08"), owner="tom"),
            deal.won(at("2026-01-20")),
        ],
    )
    assert _win_rate(world, CEO, "t1", JAN).won == 0
    assert _win_rate(world, CEO, "t2", JAN).won == 1
    board = reports.leaderboard_report(
        world.deps, CEO, scope=Scope(ScopeKind.UNIT, "north"), period=JAN
    )
    assert [(r.id, r.won) for r in board.reps] == [("tom", 1)]


def test_a_deal_transferred_after_it_was_won_stays_with_the_winning_team():
    world = World()
    deal = Deal("d1")
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-01-05")),
            deal.won(at("2026-01-20")),
            deal.transferred("t2", at("2026-02-01"), owner="tom"),
        ],
    )
    assert (_win_rate(world, CEO, "t1", JAN).won, _win_rate(world, CEO, "t2", JAN).won) == (1, 0)


def test_a_reopened_deal_counts_where_it_closes_again():
    world = World()
    deal = Deal("d1")
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-01-05")),
            deal.won(at("2026-01-20")),
            deal.reopened(at("2026-02-01")),
            deal.lost(at("2026-02-10"), reason="budget"),
        ],
    )
    assert (_win_rate(world, CEO, "t1", JAN).won, _win_rate(world, CEO, "t1", JAN).lost) == (0, 0)
    assert (_win_rate(world, CEO, "t1", FEB).won, _win_rate(world, CEO, "t1", FEB).lost) == (0, 1)
    assert world.state.deals["d1"].reopen_count == 1


def test_a_reopened_deal_is_open_again_for_the_pipeline():
    world = World()
    deal = Deal("d1", close_date="2026-03-10")
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-01-05")),
            deal.won(at("2026-01-20")),
            deal.reopened(at("2026-02-01")),
        ],
    )
    forecast = reports.forecast_report(
        world.deps, MIA, scope=Scope(ScopeKind.TEAM, "t1"), period=Q1
    )
    assert [(r.close_period, r.deals) for r in forecast.rows] == [("2026-03", 1)]


def test_a_hand_over_moves_an_open_deal_to_the_new_owner():
    world = World()
    deal = Deal("d1")
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-01-05")),
            deal.updated(at("2026-01-07"), owner="bob"),
            deal.won(at("2026-01-20")),
        ],
    )
    board = reports.leaderboard_report(
        world.deps, MIA, scope=Scope(ScopeKind.TEAM, "t1"), period=JAN
    )
    assert [r.id for r in board.reps] == ["bob"]


def test_targets_follow_the_newest_version_of_the_line_whatever_the_order():
    world = World()
    newer = targets("line-1", "2026-Q1", 2, ("t1", "9000.00", "EUR", 9))
    older = targets("line-1", "2026-Q1", 1, ("t1", "5000.00", "EUR", 4))
    other_period = targets("line-1", "2026-Q2", 3, ("t1", "1.00", "EUR", 1))
    feed(world, [*org(), newer, other_period, older])
    (row,) = reports.targets_report(world.deps, MIA, scope=Scope(ScopeKind.TEAM, "t1"), period=Q1)
    assert (row.target.amount, row.target.deal_count) == (Decimal(9000), 9)


def test_a_deleted_team_leaves_the_org_tree():
    world = World()
    from crm.territory.v1 import events_pb2

    feed(world, [*org(), team("t2", "north", 2, change=events_pb2.CHANGE_KIND_DELETED)])
    assert "t2" not in world.state.teams


def test_a_deal_counts_in_the_period_of_its_recorded_close_date():
    world = World()
    deal = Deal("d1")  # closed in the system on April 2, recorded as signed on March 31
    feed(
        world,
        [
            *org(),
            pipeline(),
            deal.created(at("2026-03-01")),
            deal.won(at("2026-04-02"), close_date="2026-03-31"),
        ],
    )
    march, april = (resolve(PeriodKind.MONTH, date=d) for d in ("2026-03-10", "2026-04-10"))
    assert (_win_rate(world, CEO, "t1", march).won, _win_rate(world, CEO, "t1", april).won) == (
        1,
        0,
    )


def test_a_sales_line_scope_counts_that_line_only():
    world = World()
    one, two = Deal("d1"), Deal("d2", line="line-2")
    feed(
        world,
        [
            *org(),
            pipeline(),
            one.created(at("2026-01-05")),
            one.won(at("2026-01-20")),
            two.created(at("2026-01-05")),
            two.won(at("2026-01-21")),
        ],
    )
    for scope in (Scope(ScopeKind.SALES_LINE, "line-2"), Scope.of(ScopeKind.SALES_LINE, "line-2")):
        board = reports.leaderboard_report(world.deps, MIA, scope=scope, period=JAN)
        assert [(t.id, t.won) for t in board.teams] == [("t1", 1)]
