"""A session that holds INSERTs back and sends them together: one multi-row statement (or COPY)
per table instead of one round trip per row.

    with WriteBehindSession(session) as held:
        repository = SomeRepository(held)   # its inserts are held, its reads go through
        ...
    # leaving the block sent every held row (not on an exception: the transaction is lost then)

Why: a bulk import writes several rows per imported record (the record, its history entries,
its events in the outbox, its import key); sent as they are made, each is a round trip, and a
batch of 200 records makes a thousand of them. Held, a batch costs a statement per table.

Read-your-writes holds: any statement other than a held INSERT (a SELECT, an UPDATE, an INSERT
written with its values inside the statement) first sends what is held, in the order it was
added, so nothing ever reads a state without the rows written before it. Rows of one table go
out in the order they were added (an outbox's ids follow the events' order). A constraint
violation arrives at the flush as SQLAlchemy's ``IntegrityError``, inside the same transaction.
Large groups go by ``COPY FROM STDIN`` on psycopg2 (``BulkInsert.copy``), others as one
multi-row INSERT; SQLite takes SQLAlchemy's executemany.

Only an ``execute(insert_statement, parameters)`` call is held (the form of the chassis'
OutboxWriter and of repositories built on a prepared ``insert(table)``). Everything else of the
Session (``connection()``, ``get_bind()``, ...) is the wrapped session's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert

COPY_ROWS = 64  # from this many rows of a table on: COPY rather than a multi-row INSERT

_BULK: dict[tuple[Any, tuple[str, ...]], BulkInsert] = {}  # (table, columns) -> its writer


class WriteBehindSession:
    def __init__(self, session: Session):
        self.session = session
        self._held: dict[int, tuple[Insert, list[dict[str, Any]]]] = {}

    def __enter__(self) -> WriteBehindSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc_type is None:
            self.flush()
        else:
            self._held = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    @property
    def held_rows(self) -> int:
        return sum(len(rows) for _, rows in self._held.values())

    def execute(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        if (
            isinstance(statement, Insert)
            and parameters
            and not kwargs
            and not statement._returning
            and not statement._values
        ):
            entry = self._held.get(id(statement))
            if entry is None:
                entry = self._held[id(statement)] = (statement, [])
            if isinstance(parameters, dict):
                entry[1].append(parameters)
            else:
                entry[1].extend(parameters)
            return None
        self.flush()
        return self.session.execute(statement, parameters, **kwargs)

    def flush(self) -> None:
        """Send every held row, tables in the order of their first row."""
        groups, self._held = list(self._held.values()), {}
        for statement, rows in groups:
            for columns, same in _by_columns(rows):
                bulk = _bulk_insert(statement.table, columns)
                if len(same) >= COPY_ROWS:
                    bulk.copy(self.session, same)
                else:
                    bulk.execute(self.session, same)


def _by_columns(rows: list[dict[str, Any]]) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Runs of consecutive rows naming the same columns (one INSERT each, order kept)."""
    runs: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []
    for row in rows:
        columns = tuple(row)
        if runs and runs[-1][0] == columns:
            runs[-1][1].append(row)
        else:
            runs.append((columns, [row]))
    return runs


def _bulk_insert(table: Any, columns: tuple[str, ...]) -> BulkInsert:
    bulk = _BULK.get((table, columns))
    if bulk is None:
        bulk = _BULK[(table, columns)] = BulkInsert(table, columns)
    return bulk
