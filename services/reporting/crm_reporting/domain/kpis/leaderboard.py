"""Leaderboard: reps (the owner a closed deal counts for) and teams ranked by deals won in the
period (then by id), with value won per currency, win rate by count, mean cycle, deals lost, and
the activities done and tasks completed on time in the period (kpis.activities). A rep or team
with activities but no closed deal is listed too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.events import ActivitySnapshot
from crm_reporting.domain.figures import Amounts, days, mean, percent
from crm_reporting.domain.kpis.activities import ActivityCounts, activity_counts
from crm_reporting.domain.kpis.win_rate import closed_in
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


def _rank(
    deals: list[DealFact],
    key: Callable[[DealFact], str],
    activities: dict[str, ActivityCounts],
    limit: int,
) -> list[LeaderboardRow]:
    groups: dict[str, list[DealFact]] = {k: [] for k in activities}
    for deal in deals:
        if key(deal):
            groups.setdefault(key(deal), []).append(deal)
    rows = []
    for id_, group in groups.items():
        won = [d for d in group if d.status == WON]
        value = Amounts()
        for deal in won:
            value.add(deal.currency, deal.value)
        rows.append(
            LeaderboardRow(
                id_,
                len(won),
                len(group) - len(won),
                value,
                percent(len(won), len(group)),
                mean([days(d.cycle_seconds() or 0) for d in won]),
                activities.get(id_, ActivityCounts()),
            )
        )
    rows.sort(key=lambda r: (-r.won, r.id))
    return rows[:limit]


def leaderboard(
    closed: Iterable[DealFact],
    period: Period,
    limit: int,
    activities: Iterable[ActivitySnapshot] = (),
) -> Leaderboard:
    deals = closed_in(closed, period)
    done = list(activities)
    by_owner = activity_counts(done, period, lambda a: a.owner_user_id)
    by_team = activity_counts(done, period, lambda a: a.team_id)
    return Leaderboard(
        _rank(deals, lambda d: d.owner_user_id, by_owner, limit),
        _rank(deals, lambda d: d.team_id, by_team, limit),
    )
