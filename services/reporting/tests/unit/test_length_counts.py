"""The medians' definition (lengths rounded to the nearest hour, halves up) and the running totals
that keep it: counts per whole hour of length per team and for the whole line, on hand-computed
fixtures (domain/figures.py, domain/totals.py); and the open deals per day of stage entry (the
stuck count)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from crm_reporting.domain import totals
from crm_reporting.domain.deals import OPEN, WON, DealFact, StageStay
from crm_reporting.domain.figures import length_hours, median_length, middle_hours
from crm_reporting.domain.kpis.closed import cycle_of_lengths
from crm_reporting.domain.kpis.funnel import stay_figures_of

HOUR = 3_600_000_000
MINUTE = 60_000_000
T0 = dt.datetime(2026, 1, 31, 22, 0, tzinfo=dt.UTC)


def test_lengths_round_to_the_nearest_hour_halves_up():
    assert [length_hours(x) for x in (0, 29 * MINUTE, 30 * MINUTE, HOUR + 30 * MINUTE - 1)] == [
        0,
        0,
        1,
        1,
    ]
    assert length_hours(2 * HOUR + 30 * MINUTE) == 3
    assert median_length(HOUR + 40 * MINUTE) == 2 * HOUR


def test_middle_hours_of_counts():
    assert middle_hours({}) == (0, 0)
    assert middle_hours({5: 1}) == (5, 5)
    # 3, 5, 5, 10: the 2nd and 3rd values
    assert middle_hours({10: 1, 3: 1, 5: 2}) == (5, 5)
    # 3, 3, 7, 9: the 2nd and 3rd values
    assert middle_hours({3: 2, 7: 1, 9: 1}) == (3, 7)
    assert middle_hours({1: 3, 2: 0}) == (1, 1)


def test_medians_count_lengths_rounded_to_the_hour():
    # 1 h 40 min and 2 h: both count 2 h -> median 2 h = 1/12 day; the mean stays exact (1 h 50 min)
    figures = stay_figures_of("p1", "qualify", [100 * MINUTE, 120 * MINUTE])
    assert figures.median_days == Decimal(2) / 24
    assert figures.mean_days == Decimal(110) / (24 * 60)
    # 10 days 20 min, 12 days 23 h 40 min -> 240 h and 312 h -> median 276 h = 11.5 days
    cycle = cycle_of_lengths([240 * HOUR + 20 * MINUTE, 311 * HOUR + 40 * MINUTE])
    assert cycle.median_days == Decimal("11.5")


def _fact(**changes) -> DealFact:
    fact = DealFact(
        id="d1",
        version=3,
        pipeline_id="p1",
        sales_line_id="line-1",
        team_id="t1",
        owner_user_id="alice",
        stage_key="propose",
        status=OPEN,
        currency="EUR",
        value=Decimal("100"),
        probability=40,
        forecast_category="best_case",
        estimated_close_date=None,
        created_at=T0,
        stage_entered_at=T0 + dt.timedelta(hours=50, minutes=10),
        closed_at=None,
        stays=(
            StageStay("qualify", T0, T0 + dt.timedelta(hours=50, minutes=10)),
            StageStay("propose", T0 + dt.timedelta(hours=50, minutes=10), None),
        ),
    )
    return dataclasses.replace(fact, **changes)


def _of_kind(contributions: dict, kind: str) -> dict:
    return {k: a for k, a in contributions.items() if k.kind == kind}


def test_an_ended_stay_counts_its_hour_per_team_and_for_the_line():
    stays = _of_kind(totals.contributions(_fact()), totals.STAY)
    # qualify: 50 h 10 min -> 50 h; ended 2026-02-03 (UTC): day and month rows, team t1 and '*'
    length = totals.Amounts(1, length_micros=50 * HOUR + 10 * MINUTE)
    key = totals.TotalKey(totals.STAY, "2026-02-03", "line-1", "t1", "p1", "qualify", detail="50")
    assert stays == {
        key: length,
        key._replace(day="2026-02"): length,
        key._replace(team_id=totals.ALL_TEAMS): length,
        key._replace(team_id=totals.ALL_TEAMS, day="2026-02"): length,
    }
    # the open stay counts nowhere yet; an open deal has no cycle
    assert not _of_kind(totals.contributions(_fact()), totals.CYCLE)
    assert _of_kind(totals.contributions(_fact()), totals.TEAMS) == {
        totals.TotalKey(totals.TEAMS, "", "line-1", "t1"): totals.Amounts(1)
    }


def test_a_won_deal_counts_its_cycle_hour_and_a_transfer_moves_it():
    won = _fact(
        status=WON,
        closed_at=T0 + dt.timedelta(days=20, minutes=31),
        close_date=dt.date(2026, 2, 20),
    )
    cycles = _of_kind(totals.contributions(won), totals.CYCLE)
    cycle = totals.Amounts(1, length_micros=(20 * 24 * 60 + 31) * MINUTE)
    key = totals.TotalKey(totals.CYCLE, "2026-02-20", "line-1", "t1", detail="481")
    assert cycles == {
        key: cycle,
        key._replace(day="2026-02"): cycle,
        key._replace(team_id=totals.ALL_TEAMS): cycle,
        key._replace(team_id=totals.ALL_TEAMS, day="2026-02"): cycle,
    }
    # Transferred to t2: t1's rows lose it, t2's gain it, the line's rows are unchanged.
    change = totals.difference(won, dataclasses.replace(won, team_id="t2"))
    assert change[key] == -cycle
    assert change[key._replace(team_id="t2")] == cycle
    assert not any(k.team_id == totals.ALL_TEAMS for k in change)
    assert change[totals.TotalKey(totals.TEAMS, "", "line-1", "t1")] == totals.Amounts(-1)


def test_an_open_deal_counts_its_stage_entry_day():
    # entered propose at 2026-02-03 00:10 UTC: day and month rows, the team's and the line's
    entered = _of_kind(totals.contributions(_fact()), totals.OPEN_ENTERED)
    key = totals.TotalKey(
        totals.OPEN_ENTERED, "2026-02-03", "line-1", "t1", "p1", "propose", currency="EUR"
    )
    assert entered == {
        key: totals.Amounts(1),
        key._replace(day="2026-02"): totals.Amounts(1),
        key._replace(team_id=totals.ALL_TEAMS): totals.Amounts(1),
        key._replace(team_id=totals.ALL_TEAMS, day="2026-02"): totals.Amounts(1),
    }
    # won: no longer open, so no longer counted for the stuck deals
    won = dataclasses.replace(_fact(), status=WON, close_date=dt.date(2026, 2, 20))
    assert not _of_kind(totals.contributions(won), totals.OPEN_ENTERED)
