"""Leaderboard: reps (the owner a closed deal counts for) and teams ranked by deals won in the
period (then by id), with value won per currency, win rate by count, mean cycle, deals lost, and
the activities done and tasks completed on time in the period (kpis.activities). A rep or team
with activities but no closed deal is listed too. The mean cycle is exact: the sum of the won
deals' cycles in microseconds over their count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from crm_reporting.domain.deals import LOST, WON, DealFact
from crm_reporting.domain.events import ActivitySnapshot
from crm_reporting.domain.figures import Amounts, percent
from crm_reporting.domain.kpis.activities import ActivityCounts, activity_counts
from crm_reporting.domain.kpis.closed import cycle_micros
from crm_reporting.domain.kpis.funnel import MICROS_PER_DAY
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class LeaderboardRow:
    id: str
    won: int
    lost: int
    won_value: Amounts
    win_rate_percent: Decimal | None
    cycle_days: Decimal | None
    activities: ActivityCounts = field(default_factory=ActivityCounts)


@dataclass(frozen=True)
class Leaderboard:
    reps: list[LeaderboardRow]
    teams: list[LeaderboardRow]


REP, TEAM = "rep", "team"


@dataclass(frozen=True)
class LeaderGroup:
    """The deals closed on some days for one rep (``by`` = "rep": the owner they counted for) or
    team, with one status and currency: how many, the sum of their known values (None when none
    has one) and of their cycles in microseconds (won deals: created -> closed, never negative).
    The store may group these in the database (``ReportStore.leader_groups``)."""

    by: str
    id: str
    status: str
    currency: str
    deals: int
    value: Decimal | None
    cycle_micros: int


def leader_groups(
    deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date
) -> list[LeaderGroup]:
    """The groups of the deals won or lost on first_day..last_day (the definition the database's
    GROUP BY follows); deals without an owner or team count in no such row."""
    sums: dict[tuple[str, str, str, str], tuple[int, Decimal | None, int]] = {}
    for deal in deals:
        if deal.status not in (WON, LOST) or deal.close_date is None:
            continue
        if not first_day <= deal.close_date <= last_day:
            continue
        cycle = cycle_micros(deal) if deal.status == WON else 0
        for by, id_ in ((REP, deal.owner_user_id), (TEAM, deal.team_id)):
            if not id_:
                continue
            key = (by, id_, deal.status, deal.currency)
            n, value, micros = sums.get(key, (0, None, 0))
            if deal.value is not None:
                value = (value or Decimal(0)) + deal.value
            sums[key] = (n + 1, value, micros + cycle)
    return [LeaderGroup(*key, *sums[key]) for key in sorted(sums)]


@dataclass
class _Tally:
    won: int = 0
    lost: int = 0
    won_value: Amounts = field(default_factory=Amounts)
    cycle_micros: int = 0


def _rank(
    groups: Iterable[LeaderGroup], activities: dict[str, ActivityCounts], limit: int
) -> list[LeaderboardRow]:
    tallies: dict[str, _Tally] = {k: _Tally() for k in activities}
    for group in groups:
        tally = tallies.setdefault(group.id, _Tally())
        if group.status == WON:
            tally.won += group.deals
            tally.won_value.add(group.currency, group.value)
            tally.cycle_micros += group.cycle_micros
        else:
            tally.lost += group.deals
    rows = [
        LeaderboardRow(
            id_,
            t.won,
            t.lost,
            t.won_value,
            percent(t.won, t.won + t.lost),
            Decimal(t.cycle_micros) / (t.won * MICROS_PER_DAY) if t.won else None,
            activities.get(id_, ActivityCounts()),
        )
        for id_, t in tallies.items()
    ]
    rows.sort(key=lambda r: (-r.won, r.id))
    return rows[:limit]


def leaderboard_of(
    groups: Iterable[LeaderGroup],
    period: Period,
    limit: int,
    activities: Iterable[ActivitySnapshot] = (),
) -> Leaderboard:
    """The leaderboard from the period's closed deals' groups (``leader_groups``)."""
    groups = list(groups)
    done = list(activities)
    by_owner = activity_counts(done, period, lambda a: a.owner_user_id)
    by_team = activity_counts(done, period, lambda a: a.team_id)
    return Leaderboard(
        _rank((g for g in groups if g.by == REP), by_owner, limit),
        _rank((g for g in groups if g.by == TEAM), by_team, limit),
    )


def leaderboard(
    closed: Iterable[DealFact],
    period: Period,
    limit: int,
    activities: Iterable[ActivitySnapshot] = (),
) -> Leaderboard:
    groups = leader_groups(closed, period.first_day, period.last_day)
    return leaderboard_of(groups, period, limit, activities)
