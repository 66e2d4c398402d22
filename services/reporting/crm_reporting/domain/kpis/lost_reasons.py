"""Lost reasons and competitors: the deals lost in the period grouped by reason key and by the
competitor named, with count, value per currency, share of all lost deals and the count of the
previous period beside."""

from __future__ import annotations

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


def _lost(deals: Iterable[DealFact], period: Period) -> list[DealFact]:
    return [d for d in deals if d.status == LOST and period.contains_day(d.close_date)]


def _buckets(
    now: list[DealFact], before: list[DealFact], key: Callable[[DealFact], str]
) -> list[LostBucket]:
    counts: dict[str, int] = {}
    values: dict[str, Amounts] = {}
    for deal in now:
        counts[key(deal)] = counts.get(key(deal), 0) + 1
        values.setdefault(key(deal), Amounts()).add(deal.currency, deal.value)
    previous: dict[str, int] = {}
    for deal in before:
        previous[key(deal)] = previous.get(key(deal), 0) + 1
    keys = sorted(set(counts) | set(previous), key=lambda k: (-counts.get(k, 0), k))
    return [
        LostBucket(
            k,
            counts.get(k, 0),
            values.get(k, Amounts()),
            percent(counts.get(k, 0), len(now)),
            previous.get(k, 0),
        )
        for k in keys
    ]


def lost_reasons(closed: Iterable[DealFact], period: Period) -> LostReasons:
    """``closed`` must hold the deals closed in this period and the previous one."""
    deals = list(closed)
    now, before = _lost(deals, period), _lost(deals, period.previous())
    named_now = [d for d in now if d.lost_competitor]
    named_before = [d for d in before if d.lost_competitor]
    competitors = _buckets(named_now, named_before, lambda d: d.lost_competitor)
    # A competitor's share is of every deal lost in the period, not only of the named ones.
    competitors = [
        LostBucket(b.key, b.count, b.value, percent(b.count, len(now)), b.previous_count)
        for b in competitors
    ]
    return LostReasons(len(now), _buckets(now, before, lambda d: d.lost_reason), competitors)
