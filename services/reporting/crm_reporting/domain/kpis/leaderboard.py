"""Leaderboard: reps (the owner a closed deal counts for) and teams ranked by deals won in the
period (then by id), with value won per currency, win rate by count, mean cycle and deals
lost."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.figures import Amounts, days, mean, percent
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


@dataclass(frozen=True)
class Leaderboard:
    reps: list[LeaderboardRow]
    teams: list[LeaderboardRow]


def _rank(
    deals: list[DealFact], key: Callable[[DealFact], str], limit: int
) -> list[LeaderboardRow]:
    groups: dict[str, list[DealFact]] = {}
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
            )
        )
    rows.sort(key=lambda r: (-r.won, r.id))
    return rows[:limit]


def leaderboard(closed: Iterable[DealFact], period: Period, limit: int) -> Leaderboard:
    deals = closed_in(closed, period)
    return Leaderboard(
        _rank(deals, lambda d: d.owner_user_id, limit), _rank(deals, lambda d: d.team_id, limit)
    )
