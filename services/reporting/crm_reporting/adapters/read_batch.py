"""Grouped reads that can travel together: a read is planned as its statements (``Query``: a
UNION ALL of parts selecting ``width`` key columns then ``sums`` sums) and what it makes of their
rows (``Plan.finish``). Alone, each query is one statement, as before. Together (the dashboard's
dozen reads), every part of every plan goes in one UNION ALL whose rows carry their query's tag:
one round trip and one statement to compile instead of one per read, the same rows per query, so
the same answers.

The shared row is (tag, four keys as text, five sums): each part's keys are cast to text (the
finishing code converts the ones that are numbers back) and padded with '' and 0.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

T = TypeVar("T")
KEYS, SUMS = 4, 5


_OPERATORS = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<": operator.lt}


@functools.lru_cache(maxsize=4096)
def condition(column: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    """``column op value`` (``in``: a tuple of values; one value is an ``=``), built once per
    value and shared by the statements that use it. SQLAlchemy takes tens of microseconds to
    build a comparison (an IN, hundreds), a dashboard call needs a hundred of them, mostly the
    same ones each time; the expressions are immutable, so statements may share them."""
    if op == "in":
        return column == value[0] if len(value) == 1 else column.in_(value)
    return _OPERATORS[op](column, value)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def both(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """``and_`` of conditions built by ``condition``, itself built once per combination."""
    return and_(*conditions)


@functools.lru_cache(maxsize=4096)
def grouped(
    columns: tuple[Any, ...], sums: tuple[Any, ...], where: tuple[Any, ...], by: tuple[Any, ...]
) -> Select[Any]:
    """``SELECT columns, sums WHERE where GROUP BY by``, built once per combination of
    (shared) expressions: the same part of the same read is the same object every call."""
    return select(*columns, *sums).where(*where).group_by(*by)


@dataclass(frozen=True)
class Query:
    parts: tuple[Select[Any], ...]
    width: int  # key columns
    sums: int = SUMS

    def statement(self) -> Any:
        return self.parts[0] if len(self.parts) == 1 else union_all(*self.parts)


@dataclass(frozen=True)
class Plan(Generic[T]):
    """A read: its queries (none when it needs no statement) and what their rows answer."""

    queries: tuple[Query, ...]
    finish: Callable[[list[list[tuple[Any, ...]]]], T]


def run_alone(session: Session, plan: Plan[T]) -> T:
    return plan.finish([list(session.execute(q.statement()).tuples()) for q in plan.queries])


_NO_KEY, _NO_SUM = literal_column("''", String), literal_column("0", Integer)


@functools.lru_cache(maxsize=4096)
def _tagged(part: Select[Any], tag: int, width: int, sums: int) -> Select[Any]:
    """The part's columns in the shared row. The tag and the padding are written into the SQL
    (constants, not parameters: fewer objects to build per call, the same text every call)."""
    columns = list(part.selected_columns)
    keys = [cast(column, String) for column in columns[:width]]
    keys += [_NO_KEY] * (KEYS - width)
    summed = columns[width : width + sums] + [_NO_SUM] * (SUMS - sums)
    return part.with_only_columns(literal_column(str(tag), Integer), *keys, *summed)


def run_together(session: Session, plans: Sequence[Plan[Any]]) -> list[Any]:
    """Every plan's answer, from one statement holding all their queries."""
    queries = [query for plan in plans for query in plan.queries]
    if any(q.width > KEYS or q.sums > SUMS for q in queries):
        raise ValueError(f"a query batched with others selects at most {KEYS} keys, {SUMS} sums")
    parts = [
        _tagged(part, tag, q.width, q.sums) for tag, q in enumerate(queries) for part in q.parts
    ]
    rows: list[list[tuple[Any, ...]]] = [[] for _ in queries]
    if parts:
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        for row in session.execute(statement).tuples():
            query = queries[row[0]]
            rows[row[0]].append((*row[1 : 1 + query.width], *row[1 + KEYS : 1 + KEYS + query.sums]))
    answers, start = [], 0
    for plan in plans:
        answers.append(plan.finish(rows[start : start + len(plan.queries)]))
        start += len(plan.queries)
    return answers
