"""Lost reasons and competitors: the deals lost in the period grouped by reason key and by the
competitor named, with count, value per currency, share of all lost deals and the count of the
previous period beside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import LOST, DealFact
from crm_reporting.domain.figures import Amounts, percent
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class LostBucket:
    key: str
    count: int
    value: Amounts
    share_percent: Decimal | None
    previous_count: int


@dataclass(frozen=True)
class LostReasons:
    lost: int
    reasons: list[LostBucket]
    competitors: list[LostBucket]


@dataclass(frozen=True)
class LostGroup:
    """The deals lost on some days with one reason, competitor ("" = none) and currency: how many
    and the sum of their known values (None when none has one). The store may group these in the
    database (``ReportStore.lost_groups``)."""

    reason: str
    competitor: str
    currency: str
    deals: int
    value: Decimal | None


def lost_groups(
    deals: Iterable[DealFact], first_day: dt.date, last_day: dt.date
) -> list[LostGroup]:
    """The groups of the deals lost on first_day..last_day (the definition the database's GROUP BY
    follows)."""
    sums: dict[tuple[str, str, str], tuple[int, Decimal | None]] = {}
    for deal in deals:
        if deal.status != LOST or deal.close_date is None:
            continue
        if not first_day <= deal.close_date <= last_day:
            continue
        key = (deal.lost_reason, deal.lost_competitor, deal.currency)
        n, value = sums.get(key, (0, None))
        if deal.value is not None:
            value = (value or Decimal(0)) + deal.value
        sums[key] = (n + 1, value)
    return [LostGroup(*key, *sums[key]) for key in sorted(sums)]


def _buckets(
    now: list[LostGroup], before: list[LostGroup], key: Callable[[LostGroup], str]
) -> list[LostBucket]:
    counts: dict[str, int] = {}
    values: dict[str, Amounts] = {}
    lost = sum(g.deals for g in now)
    for group in now:
        counts[key(group)] = counts.get(key(group), 0) + group.deals
        values.setdefault(key(group), Amounts()).add(group.currency, group.value)
    previous: dict[str, int] = {}
    for group in before:
        previous[key(group)] = previous.get(key(group), 0) + group.deals
    keys = sorted(set(counts) | set(previous), key=lambda k: (-counts.get(k, 0), k))
    return [
        LostBucket(
            k,
            counts.get(k, 0),
            values.get(k, Amounts()),
            percent(counts.get(k, 0), lost),
            previous.get(k, 0),
        )
        for k in keys
    ]


def lost_reasons_of(now: Iterable[LostGroup], before: Iterable[LostGroup]) -> LostReasons:
    """The figures from the lost deals' groups of the period (``now``) and the previous one."""
    now, before = list(now), list(before)
    lost = sum(g.deals for g in now)
    named_now = [g for g in now if g.competitor]
    named_before = [g for g in before if g.competitor]
    competitors = _buckets(named_now, named_before, lambda g: g.competitor)
    # A competitor's share is of every deal lost in the period, not only of the named ones.
    competitors = [
        LostBucket(b.key, b.count, b.value, percent(b.count, lost), b.previous_count)
        for b in competitors
    ]
    return LostReasons(lost, _buckets(now, before, lambda g: g.reason), competitors)


def lost_reasons(closed: Iterable[DealFact], period: Period) -> LostReasons:
    """``closed`` must hold the deals closed in this period and the previous one."""
    deals = list(closed)
    previous = period.previous()
    return lost_reasons_of(
        lost_groups(deals, period.first_day, period.last_day),
        lost_groups(deals, previous.first_day, previous.last_day),
    )
