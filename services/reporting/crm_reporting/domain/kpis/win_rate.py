"""Win rate: won / (won + lost) of the deals closed in the period, by count and, per currency,
by value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import LOST, WON, DealFact
from crm_reporting.domain.figures import Amounts, percent
from crm_reporting.domain.kpis.closed import ClosedGroup, closed_groups
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int
    percent: Decimal | None
    won_value: Amounts
    lost_value: Amounts

    def value_percent(self, currency: str) -> Decimal | None:
        won = self.won_value.get(currency)
        return percent(won, won + self.lost_value.get(currency))

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.won_value.currencies) | set(self.lost_value.currencies))


def closed_in(deals: Iterable[DealFact], period: Period) -> list[DealFact]:
    return [d for d in deals if d.status in (WON, LOST) and period.contains_day(d.close_date)]


def win_rate(closed: Iterable[DealFact], period: Period) -> WinRate:
    return win_rate_of(closed_groups(closed, period.first_day, period.last_day), period)


def win_rate_of(groups: Iterable[ClosedGroup], period: Period) -> WinRate:
    """The win rate from the closed deals' groups (those of the period's days count)."""
    won_value, lost_value = Amounts(), Amounts()
    won = lost = 0
    for group in groups:
        if group.status not in (WON, LOST) or not period.contains_day(group.close_date):
            continue
        value = group.value if group.valued else None  # no known value: no total for it
        if group.status == WON:
            won += group.deals
            won_value.add(group.currency, value)
        else:
            lost += group.deals
            lost_value.add(group.currency, value)
    return WinRate(won, lost, percent(won, won + lost), won_value, lost_value)
