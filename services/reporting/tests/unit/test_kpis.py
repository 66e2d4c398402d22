"""Every KPI on the hand-computed fixture (reporting_fixture.py), through the use cases on the
in-memory store, as team t1's manager mia sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reporting_fixture import fixture_events

from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import record_event

WORKER = Caller.system("reporting-worker")
MIA = Caller(subject_id="mia")
T1 = Scope(ScopeKind.TEAM, "t1")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10")
D = Decimal


@pytest.fixture
def deps(world):
    for event in fixture_events():
        record_event(world.deps, WORKER, event=event)
    return world.deps


def test_win_rate(deps):
    rate = reports.win_rate_report(deps, MIA, scope=T1, period=Q1)
    # won d1, d3, d8; lost d2 -> 3 / 4
    assert (rate.won, rate.lost, rate.percent) == (3, 1, D("75.0"))
    # EUR: won 1200 + 2000, lost 500 -> 3200 / 3700 = 86.49 %; USD 300 / 300
    assert rate.won_value.rounded() == [("EUR", D("3200.00")), ("USD", D("300.00"))]
    assert rate.lost_value.rounded() == [("EUR", D("500.00"))]
    assert (rate.value_percent("EUR"), rate.value_percent("USD")) == (D("86.5"), D("100.0"))


def test_lost_reasons_and_competitors_with_the_previous_period(deps):
    lost = reports.lost_reasons_report(deps, MIA, scope=T1, period=Q1)
    # Q1: d2 (price, Rival); Q4 2025: d6 (timing), d7 (price)
    assert lost.lost == 1
    assert [(b.key, b.count, b.share_percent, b.previous_count) for b in lost.reasons] == [
        ("price", 1, D("100.0"), 1),
        ("timing", 0, D("0.0"), 1),
    ]
    assert lost.reasons[0].value.rounded() == [("EUR", D("500.00"))]
    assert [(b.key, b.count, b.share_percent, b.previous_count) for b in lost.competitors] == [
        ("Rival", 1, D("100.0"), 0)
    ]


def test_sales_cycle_and_the_age_of_open_deals(deps):
    report = reports.cycle_report(deps, MIA, scope=T1, period=Q1)
    # d1 01-05 -> 02-04 = 30 days, d3 02-01 -> 03-03 = 30 days, d8 01-03 -> 01-13 = 10 days
    assert report.cycle.won == 3
    assert round(report.cycle.mean_days, 3) == D("23.333")  # 70 / 3
    assert report.cycle.median_days == D(30)
    # now 04-15: d4 is 64 days old (2.74 x the mean), d5 45 days (1.93 x)
    ages = [(a.deal_id, a.age_days, a.ratio_to_mean, a.slow) for a in report.open_deals]
    assert ages == [("d4", D(64), D("2.74"), True), ("d5", D(45), D("1.93"), True)]
    limited = reports.cycle_report(deps, MIA, scope=T1, period=Q1, open_deal_limit=1)
    assert [a.deal_id for a in limited.open_deals] == ["d4"]
    with pytest.raises(InvalidArgument, match="open_deal_limit must be within 0..500"):
        reports.cycle_report(deps, MIA, scope=T1, period=Q1, open_deal_limit=501)


def test_sales_velocity_and_its_change(deps):
    report = reports.velocity_report(deps, MIA, scope=T1, period=Q1)
    eur, usd = report.current.currencies
    # open at 04-01: d4, d5 (EUR); average won EUR (1200 + 2000) / 2 = 1600; win rate 3 / 4;
    # cycle 70 / 3 days -> 2 x 1600 x 0.75 / (70 / 3) = 102.857 EUR a day
    assert (eur.currency, eur.open_deals, eur.average_won) == ("EUR", 2, D(1600))
    assert (eur.win_rate_percent, round(eur.cycle_days, 1)) == (D("75.0"), D("23.3"))
    assert round(eur.per_day, 3) == D("102.857")
    # USD: d8 won, nothing open at the end -> 0 a day
    assert (usd.currency, usd.open_deals, usd.per_day) == ("USD", 0, D(0))
    # Q4 2025: only losses and nothing open at its end -> no velocity, so no change
    assert report.previous.currencies == []
    assert report.changes == {"EUR": None, "USD": None}


def test_forecast_by_close_month_and_category(deps):
    forecast = reports.forecast_report(deps, MIA, scope=T1, period=Q1)
    # open with a close date in Q1: d4 (propose = best case, 50 %); d5 closes in April
    assert [
        (r.close_period, r.category, r.currency, r.deals, r.open_value, r.weighted_value)
        for r in forecast.rows
    ] == [("2026-03", "best_case", "EUR", 1, D(1000), D(500))]
    totals = {(t.close_period, t.currency): t for t in forecast.totals}
    assert sorted(totals) == [("2026-01", "USD"), ("2026-02", "EUR"), ("2026-03", "EUR")]
    march = totals[("2026-03", "EUR")]
    assert (march.commit, march.best_case, march.pipeline, march.weighted, march.won) == (
        D(0),
        D(1000),
        D(1000),
        D(500),
        D(2000),
    )
    assert totals[("2026-02", "EUR")].won == D(1200) and totals[("2026-01", "USD")].won == D(300)
    by_quarter = reports.forecast_report(deps, MIA, scope=T1, period=Q1, bucket=PeriodKind.QUARTER)
    assert [t.close_period for t in by_quarter.totals] == ["2026-Q1", "2026-Q1"]


def test_funnel(deps):
    (funnel,) = reports.funnel_report(deps, MIA, scope=T1, period=Q1)
    stages = {s.key: s for s in funnel.stages}
    # open now: d5 at qualify since 03-01 (> 5 days: stuck), d4 at propose since 02-20 (> 10)
    assert [(s.key, s.open_deals, s.stuck_deals) for s in funnel.stages] == [
        ("qualify", 1, 1),
        ("propose", 1, 1),
        ("negotiate", 0, 0),
    ]
    assert stages["qualify"].open_value.rounded() == [("EUR", D("400.00"))]
    # created in Q1: d1 d2 d3 d4 d5 d8; reached propose: d1 d2 d3 d4 d8 (won counts as every
    # stage); negotiate: d1 d3 d8 -> 5 / 6 = 83.3 %, 3 / 5 = 60 %
    assert [s.reached for s in funnel.stages] == [6, 5, 3]
    assert [s.conversion_to_next for s in funnel.stages] == [D("83.3"), D("60.0"), None]
    assert (funnel.created, funnel.won, funnel.opportunity_to_won) == (6, 3, D("50.0"))
    # stays ended in Q1: qualify 5 (d1), 5 (d2), 30 (d3), 10 (d4), 10 (d8); propose 10 (d1),
    # 30 (d2); negotiate 15 (d1)
    assert (stages["qualify"].completed_stays, stages["qualify"].mean_days) == (5, D(12))
    assert stages["qualify"].median_days == D(10)
    assert (stages["propose"].mean_days, stages["propose"].median_days) == (D(20), D(20))
    assert (stages["negotiate"].mean_days, stages["negotiate"].expected_days) == (D(15), 0)


def test_targets_vs_actual(deps):
    (row,) = reports.targets_report(deps, MIA, scope=T1, period=Q1)
    # t1's Q1 target: 5000 EUR, 4 deals; won d1 + d3 = 3200 EUR (d8's USD is not converted),
    # 3 deals
    assert (row.target.team_id, row.target.amount, row.actual_amount, row.actual_deals) == (
        "t1",
        D(5000),
        D(3200),
        3,
    )
    assert (row.amount_percent, row.deals_percent) == (D("64.0"), D("75.0"))
    with pytest.raises(InvalidArgument, match="targets exist for teams and sales lines per month"):
        reports.targets_report(
            deps, MIA, scope=T1, period=resolve(PeriodKind.WEEK, date="2026-02-10")
        )


def test_leaderboard(deps):
    board = reports.leaderboard_report(deps, MIA, scope=T1, period=Q1)
    reps = [
        (r.id, r.won, r.lost, r.won_value.rounded(), r.win_rate_percent, r.cycle_days)
        for r in board.reps
    ]
    assert reps == [
        ("alice", 2, 0, [("EUR", D("3200.00"))], D("100.0"), D(30)),
        ("bob", 1, 1, [("USD", D("300.00"))], D("50.0"), D(10)),
    ]
    assert [(t.id, t.won, t.lost) for t in board.teams] == [("t1", 3, 1)]


def test_the_dashboard_is_the_single_reports(deps):
    board = reports.dashboard(deps, MIA, scope=T1, period=Q1)
    assert board.win_rate == reports.win_rate_report(deps, MIA, scope=T1, period=Q1)
    assert board.funnel == reports.funnel_report(deps, MIA, scope=T1, period=Q1)
    assert board.forecast == reports.forecast_report(deps, MIA, scope=T1, period=Q1)
    assert board.targets == reports.targets_report(deps, MIA, scope=T1, period=Q1)
    assert board.cycle == reports.cycle_report(deps, MIA, scope=T1, period=Q1)


def test_a_person_scope_counts_the_owner_only(deps):
    bob = Scope(ScopeKind.PERSON, "bob")
    rate = reports.win_rate_report(deps, MIA, scope=bob, period=Q1)
    assert (rate.won, rate.lost) == (1, 1)  # d8 won, d2 lost


def test_a_sales_line_narrows_the_scope(deps):
    other_line = Scope(ScopeKind.TEAM, "t1", sales_line_id="line-2")
    assert reports.win_rate_report(deps, MIA, scope=other_line, period=Q1).won == 0


def test_the_leaderboard_counts_activities_done_and_tasks_on_time(world, deps):
    from reporting_events import activity, at

    for event in [
        activity("c1", "call", "alice", occurred=at("2026-01-07")),
        activity("m1", "meeting", "bob", occurred=at("2026-02-07")),
        activity("n0", "note", "bob", occurred=at("2025-12-30")),  # before Q1
        # alice: a task done on time and one late; bob: one without a due time (on time)
        activity("t1", "task", "alice", due=at("2026-01-10"), done=at("2026-01-09")),
        activity("t2", "task", "alice", due=at("2026-01-10")),
        activity(
            "t2",
            "task",
            "alice",
            due=at("2026-01-10"),
            done=at("2026-01-12"),
            version=2,
            event_type="activity_updated",
        ),
        activity("t3", "task", "bob", done=at("2026-03-01")),
        activity("t4", "task", "bob", due=at("2026-03-01")),  # open: not done
        activity("x1", "call", "tom", team_id="t2", occurred=at("2026-01-07")),  # other team
    ]:
        record_event(world.deps, WORKER, event=event)
    board = reports.leaderboard_report(deps, MIA, scope=T1, period=Q1)
    counts = {
        r.id: (
            r.activities.done,
            r.activities.tasks_completed,
            r.activities.tasks_on_time,
            r.activities.on_time_percent,
        )
        for r in board.reps
    }
    # alice: call + 2 tasks done (1 on time); bob: meeting + 1 task (on time: no due time)
    assert counts == {"alice": (3, 2, 1, D("50.0")), "bob": (2, 1, 1, D("100.0"))}
    (team,) = board.teams
    assert (team.id, team.activities.done) == ("t1", 5)
