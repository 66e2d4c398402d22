"""Sales velocity per currency: open deals x average won deal size x win rate / average cycle
length, in money per day, with each factor, for the period and the previous one.

- open deals: deals of the currency open at the end of the period (created before it, and not
  closed before it), counted by the store (``open_at``);
- average won size: mean value of the currency's deals won in the period;
- win rate: by count, of every deal closed in the period (all currencies);
- cycle: mean days created -> won of every deal won in the period (all currencies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.figures import one_decimal
from crm_reporting.domain.kpis.closed import ClosedGroup, Cycle, closed_groups
from crm_reporting.domain.kpis.cycle import cycle
from crm_reporting.domain.kpis.win_rate import win_rate_of
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class CurrencyVelocity:
    currency: str
    open_deals: int
    average_won: Decimal | None
    win_rate_percent: Decimal | None
    cycle_days: Decimal | None
    per_day: Decimal | None  # exact; rounded to the currency when shown


@dataclass(frozen=True)
class Velocity:
    period: Period
    currencies: list[CurrencyVelocity]

    def per_day(self, currency: str) -> Decimal | None:
        for entry in self.currencies:
            if entry.currency == currency:
                return entry.per_day
        return None


def velocity(
    closed: Iterable[DealFact], open_at_end: Mapping[str, int], period: Period
) -> Velocity:
    deals = list(closed)
    groups = closed_groups(deals, period.first_day, period.last_day)
    return velocity_of(groups, cycle(deals, period), open_at_end, period)


def velocity_of(
    groups: Iterable[ClosedGroup], won_cycle: Cycle, open_at_end: Mapping[str, int], period: Period
) -> Velocity:
    """The velocity from the closed deals' groups and the cycle of the period's won deals."""
    groups = [g for g in groups if period.contains_day(g.close_date)]
    rate = win_rate_of(groups, period)
    mean_cycle = won_cycle.mean_days
    won_values: dict[str, tuple[int, Decimal]] = {}
    for group in groups:
        if group.status == WON and group.valued:
            n, total = won_values.get(group.currency, (0, Decimal(0)))
            won_values[group.currency] = (n + group.valued, total + group.value)
    entries = []
    for currency in sorted(set(open_at_end) | set(won_values)):
        n, total = won_values.get(currency, (0, Decimal(0)))
        average = total / n if n else None
        open_deals = open_at_end.get(currency, 0)
        per_day = None
        if average is not None and rate.percent is not None and mean_cycle:
            exact_rate = Decimal(rate.won) / (rate.won + rate.lost)
            per_day = open_deals * average * exact_rate / mean_cycle
        entries.append(
            CurrencyVelocity(currency, open_deals, average, rate.percent, mean_cycle, per_day)
        )
    return Velocity(period, entries)


def change_percent(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """(current - previous) / previous x 100, one decimal; None without both or from zero."""
    if current is None or not previous:
        return None
    return one_decimal((current - previous) * 100 / previous)
