"""Sales cycle: days from created to won of the deals won in the period (mean and median), and
each open deal's age (now - created) against that mean: slow when older than the mean."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.figures import TWO_DECIMALS, days
from crm_reporting.domain.kpis.closed import Cycle, cycle_micros, cycle_of_lengths
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class OpenDealAge:
    deal_id: str
    team_id: str
    owner_user_id: str
    age_days: Decimal
    ratio_to_mean: Decimal | None
    slow: bool


def won_in(deals: Iterable[DealFact], period: Period) -> list[DealFact]:
    return [d for d in deals if d.status == WON and period.contains_day(d.close_date)]


def cycle(closed: Iterable[DealFact], period: Period) -> Cycle:
    return cycle_of_lengths(cycle_micros(d) for d in won_in(closed, period))


def open_deal_ages(
    open_deals: Iterable[DealFact], mean_days: Decimal | None, now: dt.datetime, limit: int
) -> list[OpenDealAge]:
    """The ``limit`` oldest open deals (ties by id), each against the mean cycle."""
    deals = sorted((d for d in open_deals if d.is_open), key=lambda d: (d.created_at, d.id))
    ages = []
    for deal in deals[:limit]:
        age = days(max(0.0, (now - deal.created_at).total_seconds()))
        ratio = None
        if mean_days:
            ratio = (age / mean_days).quantize(TWO_DECIMALS, rounding=ROUND_HALF_EVEN)
        ages.append(
            OpenDealAge(
                deal.id,
                deal.team_id,
                deal.owner_user_id,
                age,
                ratio,
                mean_days is not None and age > mean_days,
            )
        )
    return ages
