"""The closed deals' figures the win rate, cycle, velocity, forecast and targets read, in the
grouped form a store can compute in the database (``ReportStore.closed_groups``, ``won_by_team``,
``won_cycle``); the functions here are the definitions those queries follow, over facts.

Cycle lengths are exact integers of microseconds (created -> closed, never negative; a won deal
without a closed time counts 0), so a database's SUM and ordered pick of the middle values give
exactly the mean and median computed here. The median counts each length rounded to the hour
(``figures.median_length``): rounding keeps the order, so the rounded middle values are the
middle values of the rounded lengths, and a store may keep counts per hour instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import OPEN, WON, DealFact
from crm_reporting.domain.figures import median_length

MICROS_PER_DAY = Decimal(86_400_000_000)


@dataclass(frozen=True)
class ClosedGroup:
    """Closed deals of one close date, status and currency: how many, how many have a known
    value (``valued``) and the sum of the known values."""

    close_date: dt.date
    status: str
    currency: str
    deals: int
    valued: int
    value: Decimal


@dataclass(frozen=True)
class TeamWon:
    """Won deals of one line, team and currency: how many and their value (unknown counts 0)."""

    sales_line_id: str
    team_id: str
    currency: str
    deals: int
    value: Decimal


@dataclass(frozen=True)
class Cycle:
    won: int
    mean_days: Decimal | None
    median_days: Decimal | None


def _closed(deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date) -> list[DealFact]:
    return [
        d
        for d in deals
        if d.status != OPEN and d.close_date is not None and first_day <= d.close_date <= last_day
    ]


def closed_groups(
    deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date
) -> list[ClosedGroup]:
    sums: dict[tuple[dt.date, str, str], tuple[int, int, Decimal]] = {}
    for deal in _closed(deals, first_day, last_day):
        assert deal.close_date is not None  # _closed keeps dated deals only
        key = (deal.close_date, deal.status, deal.currency)
        n, valued, value = sums.get(key, (0, 0, Decimal(0)))
        known = deal.value is not None
        sums[key] = (n + 1, valued + known, value + (deal.value or Decimal(0)))
    return [ClosedGroup(*key, *sums[key]) for key in sorted(sums)]


def won_by_team(deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date) -> list[TeamWon]:
    sums: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for deal in _closed(deals, first_day, last_day):
        if deal.status == WON:
            key = (deal.sales_line_id, deal.team_id, deal.currency)
            n, value = sums.get(key, (0, Decimal(0)))
            sums[key] = (n + 1, value + (deal.value or Decimal(0)))
    return [TeamWon(*key, *sums[key]) for key in sorted(sums)]


def cycle_micros(deal: DealFact) -> int:
    return cycle_micros_of(deal.created_at, deal.closed_at)


def cycle_micros_of(created: dt.datetime, closed: dt.datetime | None) -> int:
    if closed is None:
        return 0
    return max(0, (closed - created) // dt.timedelta(microseconds=1))


def cycle_figures(count: int, total_micros: int, low: int, high: int) -> Cycle:
    """The cycle of ``count`` won deals lasting ``total_micros`` together, whose two middle
    lengths (the same one for an odd count) are ``low`` and ``high`` (exact or already rounded
    to the hour: the median counts them rounded)."""
    if count == 0:
        return Cycle(0, None, None)
    mean_days = Decimal(total_micros) / (count * MICROS_PER_DAY)
    middle = Decimal(median_length(low)) + Decimal(median_length(high))
    return Cycle(count, mean_days, middle / 2 / MICROS_PER_DAY)


def cycle_mean(count: int, total_micros: int) -> Cycle:
    """The count and mean of a cycle without its median (what the velocity needs)."""
    if count == 0:
        return Cycle(0, None, None)
    return Cycle(count, Decimal(total_micros) / (count * MICROS_PER_DAY), None)


def cycle_of_lengths(lengths: Iterable[int]) -> Cycle:
    ordered = sorted(lengths)
    n = len(ordered)
    if n == 0:
        return cycle_figures(0, 0, 0, 0)
    return cycle_figures(n, sum(ordered), ordered[(n - 1) // 2], ordered[n // 2])


def won_cycle(deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date) -> Cycle:
    return cycle_of_lengths(
        cycle_micros(d) for d in _closed(deals, first_day, last_day) if d.status == WON
    )
