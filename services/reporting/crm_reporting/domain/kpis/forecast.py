"""Pipeline and forecast: the open deals whose estimated close date falls in the period (and the
open deals without one, as close period "none"), grouped by close period (month, quarter or
year), forecast category and currency: count, open value and weighted value (value x
probability / 100). Per close period and currency: commit, best case (commit + best case),
pipeline (every open deal), weighted, and the value already won (deals won in the period, by
their close date)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.kpis.closed import ClosedGroup, closed_groups
from crm_reporting.domain.periods import Period, PeriodKind, bucket_label

NO_DATE = "none"
CATEGORIES = ("pipeline", "best_case", "commit")


@dataclass
class ForecastRow:
    close_period: str
    category: str
    currency: str
    deals: int = 0
    open_value: Decimal = Decimal(0)
    weighted_value: Decimal = Decimal(0)


@dataclass
class ForecastTotals:
    close_period: str
    currency: str
    commit: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    won: Decimal = Decimal(0)


@dataclass
class Forecast:
    rows: list[ForecastRow] = field(default_factory=list)
    totals: list[ForecastTotals] = field(default_factory=list)


def _order(label: str) -> tuple[int, str]:
    return (1, "") if label == NO_DATE else (0, label)


@dataclass(frozen=True)
class OpenForecastGroup:
    """The open deals of one estimated close date (None: without one), forecast category and
    currency: how many, their value (unknown values count 0) and weighted value. The store may
    sum these in the database (``ReportStore.open_forecast_groups``)."""

    estimated_close_date: dt.date | None
    forecast_category: str
    currency: str
    deals: int
    value: Decimal
    weighted: Decimal


def open_forecast_groups(
    open_deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date
) -> list[OpenForecastGroup]:
    """The groups of the open deals closing in first_day..last_day or without a date (the
    definition the database's GROUP BY follows)."""
    sums: dict[tuple[dt.date | None, str, str], tuple[int, Decimal, Decimal]] = {}
    for deal in open_deals:
        close = deal.estimated_close_date
        if not deal.is_open or (close is not None and not first_day <= close <= last_day):
            continue
        key = (close, deal.forecast_category, deal.currency)
        deals, value, weighted = sums.get(key, (0, Decimal(0), Decimal(0)))
        sums[key] = (
            deals + 1,
            value + (deal.value or Decimal(0)),
            weighted + (deal.weighted_value or Decimal(0)),
        )
    return [OpenForecastGroup(*key, *sums[key]) for key in sums]


def forecast(
    open_deals: Iterable[DealFact],
    closed: Iterable[DealFact],
    period: Period,
    bucket: PeriodKind = PeriodKind.MONTH,
) -> Forecast:
    groups = open_forecast_groups(open_deals, period.first_day, period.last_day)
    won = closed_groups(closed, period.first_day, period.last_day)
    return forecast_of(groups, won, period, bucket)


def forecast_of(
    open_groups: Iterable[OpenForecastGroup],
    won_groups: Iterable[ClosedGroup],
    period: Period,
    bucket: PeriodKind = PeriodKind.MONTH,
) -> Forecast:
    """The forecast from the open deals' groups of the period (``open_forecast_groups``) and the
    closed deals' groups (the won ones of the period count)."""
    rows: dict[tuple[str, str, str], ForecastRow] = {}
    totals: dict[tuple[str, str], ForecastTotals] = {}

    def total(label: str, currency: str) -> ForecastTotals:
        return totals.setdefault((label, currency), ForecastTotals(label, currency))

    for group in open_groups:
        close = group.estimated_close_date
        label = NO_DATE if close is None else bucket_label(bucket, close)
        category = group.forecast_category if group.forecast_category in CATEGORIES else "pipeline"
        row = rows.setdefault(
            (label, category, group.currency), ForecastRow(label, category, group.currency)
        )
        value, weighted = group.value, group.weighted
        row.deals += group.deals
        row.open_value += value
        row.weighted_value += weighted
        sums = total(label, group.currency)
        sums.pipeline += value
        sums.weighted += weighted
        if category in ("commit", "best_case"):
            sums.best_case += value
        if category == "commit":
            sums.commit += value
    for won in won_groups:
        if won.status == WON and period.contains_day(won.close_date):
            label = bucket_label(bucket, won.close_date)
            total(label, won.currency).won += won.value
    return Forecast(
        rows=[
            rows[k]
            for k in sorted(rows, key=lambda k: (_order(k[0]), CATEGORIES.index(k[1]), k[2]))
        ],
        totals=[totals[k] for k in sorted(totals, key=lambda k: (_order(k[0]), k[1]))],
    )
