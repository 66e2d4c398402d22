"""The medians of the running totals' counts per whole hour of length (``stay``, ``cycle``:
domain/totals.py) picked in the database: the rows of a period's hour counts (a quarter of a
line: ~1,000 hours of cycle) are summed per hour, ordered and reduced to the one or two middle
hours with window sums, so a read returns a row or two per stage instead of every hour.

The same definition as ``figures.middle_hours``, in integers on both engines: with ``total``
lengths, the low middle is the ``floor((total - 1) / 2)``-th (from 0) and the high the
``floor(total / 2)``-th; the hour holding the k-th has ``before <= k < upto`` (``before``: the
lengths in shorter hours, ``upto``: those and its own), written without a division (SUM is
NUMERIC on PostgreSQL): ``2 * before <= total - 1 < 2 * upto`` (low), ``2 * before <= total <
2 * upto`` (high).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, or_, select, union_all

from crm_reporting.adapters.read_batch import Query

LOW, HIGH, BOTH = "low", "high", "both"


@functools.lru_cache(maxsize=1024)
def middle_query(grouped: Query, within: int) -> Query:
    """From a ``_grouped`` query of (``within`` keys, hours, deals, valued, value, entered,
    length) rows: (keys, hours, LOW | HIGH | BOTH, lengths counted, their summed length) of the
    middle hour(s) of each ``within`` key. Built once per query (its parts are the same objects
    for the same read: read_batch.grouped)."""
    rows = (grouped.parts[0] if len(grouped.parts) == 1 else union_all(*grouped.parts)).subquery()
    columns = list(rows.c)
    keys, detail = columns[:within], columns[within]
    deals, length = columns[within + 1], columns[within + 5]
    per_hour = (
        select(
            *keys,
            cast(detail, Integer).label("hours"),
            func.sum(deals).label("n"),
            func.sum(length).label("length"),
        )
        .group_by(*keys, detail)
        .subquery()
    )
    h = per_hour.c
    outer = list(h)[:within]
    windows = (
        select(
            *outer,
            h.hours,
            h.n,
            func.sum(h.n).over(partition_by=outer or None, order_by=h.hours).label("upto"),
            func.sum(h.n).over(partition_by=outer or None).label("total"),
            func.sum(h.length).over(partition_by=outer or None).label("lengths"),
        )
    ).subquery()
    w = windows.c
    before = w.upto - w.n
    low = and_(2 * before <= w.total - 1, w.total - 1 < 2 * w.upto)
    high = and_(2 * before <= w.total, w.total < 2 * w.upto)
    which = case((and_(low, high), BOTH), (low, LOW), else_=HIGH)
    middle = select(*list(w)[:within], w.hours, which, w.total, w.lengths).where(or_(low, high))
    return Query((middle,), within + 2, 2)


def middles(
    rows: list[tuple[Any, ...]], within: int
) -> dict[tuple[Any, ...], tuple[int, int, int, int]]:
    """{keys: (lengths counted, their summed length, low hours, high hours)} of ``middle_query``'s
    rows (hours are text when read with other queries)."""
    found: dict[tuple[Any, ...], tuple[int, int, int, int]] = {}
    for row in rows:
        key, (hours, which, total, lengths) = tuple(row[:within]), row[within:]
        n, summed, low, high = found.get(key, (int(total), int(lengths), 0, 0))
        if which in (LOW, BOTH):
            low = int(hours)
        if which in (HIGH, BOTH):
            high = int(hours)
        found[key] = (n, summed, low, high)
    return found
