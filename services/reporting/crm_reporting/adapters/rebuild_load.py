"""The rebuild's bulk path on SQLAlchemy Core (docs/services/reporting.md, "Runbook").

Read: the event store streamed in aggregate order through a server-side cursor (pages of
``PAGE`` rows), cut into chunks of whole aggregates; each chunk's stored bodies are translated
(``event_translation.from_body``, the worker's translation) and folded per aggregate, here or in
worker processes (spawned: they share nothing with this process but the chunks and the results),
with at most two chunks per process in flight so memory stays flat whatever the store's size.

Write (PostgreSQL): the read models truncated in the rebuild's transaction, the secondary indexes
of the bulk-loaded tables dropped and built again after the load (one sort each instead of an
insertion per row and index), the rows written with ``COPY``, the deals' running totals summed
in memory and written once. Truncating takes the tables' exclusive lock (all at once, see
``truncate``): reports wait until the rebuild commits. SQLite (``make run``) deletes and inserts as before.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Column, MetaData, Table, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_reporting.adapters import event_translation
from crm_reporting.adapters.orm import TOTALS_KEY, deal_totals, event_store
from crm_reporting.adapters.totals_store import DAY, MONTH
from crm_reporting.domain.events import RecordedEvent
from crm_reporting.domain.totals import Amounts, TotalKey

T = TypeVar("T")
Row = tuple[str, str, str, str, str]  # aggregate type, aggregate id, source, event type, body

PAGE = 10_000  # rows per fetch of the server-side cursor
LOCK_PATIENCE_SECONDS = 30.0  # trying to lock the read models all at once (``truncate``)
LOCK_RETRY_SECONDS = 0.05
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a NOWAIT lock that is held
CHUNK = 5_000  # rows (whole aggregates) per chunk handed to a fold


def _rows(session: Session) -> Iterator[Row]:
    e = event_store.c
    result = session.execute(
        select(e.aggregate_type, e.aggregate_id, e.source, e.event_type, e.body)
        .order_by(e.aggregate_type, e.aggregate_id, e.aggregate_version, e.seq)
        .execution_options(stream_results=True, yield_per=PAGE)
    )
    return result.tuples()  # type: ignore[return-value]


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Lists of about ``size`` rows, never splitting an aggregate."""
    chunk: list[Row] = []
    for row in rows:
        if len(chunk) >= size and (row[0], row[1]) != (chunk[-1][0], chunk[-1][1]):
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


def fold_chunk(fold: Callable[[list[RecordedEvent]], T], chunk: list[Row]) -> list[T]:
    """``fold`` of each aggregate of ``chunk`` (in a worker process or here)."""
    from_body = event_translation.from_body
    return [
        fold([from_body(source, event_type, body) for _, _, source, event_type, body in group])
        for _, group in itertools.groupby(chunk, key=lambda row: (row[0], row[1]))
    ]


def fold_in_aggregate_order(
    session: Session, fold: Callable[[list[RecordedEvent]], T], processes: int
) -> Iterator[T]:
    chunks = _chunks(_rows(session), CHUNK)
    if processes <= 0:
        for chunk in chunks:
            yield from fold_chunk(fold, chunk)
        return
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: deque[Future[list[T]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(fold_chunk, fold, chunk))
            if len(pending) >= 2 * processes:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- write side ---------------------------------------------------------------------------------
_AMOUNTS = ("deals", "valued", "value_micros", "entered", "length_micros")
# The sums as plain integers (COPY writes their digits; the column is deal_totals' NUMERIC).
_STAGED = Table(
    "rebuild_staged_totals",
    MetaData(),
    *(Column(c.name, BigInteger if c.name in _AMOUNTS else c.type) for c in deal_totals.c),
)


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def truncate(
    session: Session,
    tables: Iterable[Table],
    *,
    patience_seconds: float = LOCK_PATIENCE_SECONDS,
    pause: Callable[[float], None] = time.sleep,
) -> None:
    """Truncates ``tables`` after locking all of them at once: ``LOCK TABLE ... NOWAIT`` in a
    savepoint, tried again after a short pause while a reader holds one of them. A plain
    ``TRUNCATE`` locks the tables one after the other and waits for each while it holds the
    ones before: a report reading two of them in the other order then deadlocks with it, and
    PostgreSQL aborts one of the two. Holding nothing while it waits, the rebuild cannot
    deadlock. Past ``patience_seconds`` of readers (a read model that is never free) it waits
    like a plain ``TRUNCATE``."""
    names = ", ".join(table.name for table in tables)
    deadline = time.monotonic() + patience_seconds
    while time.monotonic() < deadline:
        savepoint = session.begin_nested()
        try:
            session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE NOWAIT"))
        except OperationalError as exc:
            savepoint.rollback()  # releases the tables it did lock
            if getattr(exc.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            pause(LOCK_RETRY_SECONDS)
            continue
        savepoint.commit()
        break
    session.execute(text(f"TRUNCATE {names}"))


def drop_secondary_indexes(session: Session, tables: Iterable[Table]) -> list[str]:
    """Drops the indexes of ``tables`` that back no constraint (primary keys and unique
    constraints stay: they check the load); returns their definitions for ``create_indexes``.
    Read from the catalogue, so an index a migration adds is rebuilt too."""
    rows = session.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))"
            "::regclass) ORDER BY i.indexname"
        ),
        {"tables": [table.name for table in tables]},
    ).all()
    for name, _ in rows:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def stage_totals(session: Session) -> BulkInsert:
    """A temporary table (dropped at commit) for the batches' summed running totals, added up
    by ``load_totals``: memory stays flat however many keys the totals have."""
    session.execute(text(f"CREATE TEMP TABLE {_STAGED.name} (LIKE deal_totals) ON COMMIT DROP"))
    return BulkInsert(_STAGED)


def staged_rows(change: dict[TotalKey, Amounts]) -> list[dict[str, Any]]:
    """``SqlTotals.add_totals``'s rows of ``change``."""
    return [
        {
            **key._asdict(),
            "grain": "" if not key.day else MONTH if len(key.day) == 7 else DAY,
            "deals": a.deals,
            "valued": a.valued,
            "value_micros": a.value_micros,
            "entered": a.entered,
            "length_micros": a.length_micros,
        }
        for key, a in change.items()
    ]


def load_totals(session: Session) -> None:
    """The staged batches' totals summed per key into the (empty) ``deal_totals``; keys whose
    sums are all zero are left out, as ``domain.totals.summed`` leaves them."""
    keys = ", ".join(TOTALS_KEY)
    sums = ", ".join(f"sum({name})" for name in _AMOUNTS)
    empty = " AND ".join(f"sum({name}) = 0" for name in _AMOUNTS)
    session.execute(
        text(
            f"INSERT INTO deal_totals ({keys}, {', '.join(_AMOUNTS)}) "
            f"SELECT {keys}, {sums} FROM {_STAGED.name} "
            f"GROUP BY {keys} HAVING NOT ({empty})"
        )
    )


def create_indexes(session: Session, definitions: Iterable[str], tables: Iterable[Table]) -> None:
    session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for definition in definitions:
        session.execute(text(definition))
    for table in tables:  # the planner's statistics of the new contents
        session.execute(text(f"ANALYZE {table.name}"))
