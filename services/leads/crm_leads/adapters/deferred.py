"""Inserts held until commit and sent together.

A capture writes a lead, a history entry, two outbox events and an idempotency key; sent as
they are made, each is a round trip of its own, and an import batch of 200 rows makes 1,000 of
them. Held here until commit:

* a small unit of work (a CreateLead, a status change: at most ``SINGLE_STATEMENT_ROWS`` rows)
  goes out as ONE statement on PostgreSQL, its INSERTs chained as data-modifying CTEs
  (``WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...``), compiled once per shape
  (tables, columns and row counts) and sent with the column types' bind processing;
* a larger one (a batch of routing decisions applied) as one multi-row INSERT per table, quoted
  by psycopg2 (``crm_chassis.bulk_insert``: SQLAlchemy's executemany cost ~40 µs a row in
  parameter handling);
* a table's rows from ``COPY_ROWS`` on (an import batch: leads, history, idempotency keys) with
  PostgreSQL's ``COPY FROM STDIN`` (``BulkInsert.copy``): the server then parses no statement of
  thousands of literals. SQLite takes the multi-row INSERT.

Only rows nothing reads back in the same unit of work are deferred (new leads, history, outbox,
idempotency keys: the lead and idempotency repositories answer their own pending rows).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_leads.adapters.prepared import Prepared, available

SINGLE_STATEMENT_ROWS = 12
COPY_ROWS = 64
_COMBINED: dict[tuple, tuple] = {}  # shape -> SQL, bind processors, prepared form


class DeferredInserts:
    """Collects ``execute(insert_statement, parameters)`` calls (the part of a Session the
    chassis' OutboxWriter uses) and sends them on :meth:`flush`, tables in first-use order."""

    def __init__(self, session: Session):
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._rows: dict[int, tuple[object, list[dict]]] = {}

    def execute(self, statement, parameters: dict) -> None:
        entry = self._rows.get(id(statement))
        if entry is None:
            entry = self._rows[id(statement)] = (statement, [])
        entry[1].append(parameters)

    def take(self) -> dict[str, list[dict]]:
        """Hand the held rows over instead of sending them: table name -> rows, in the order
        they were added (adapters/capture_new.py sends a capture's rows itself)."""
        groups, self._rows = list(self._rows.values()), {}
        taken: dict[str, list[dict]] = {}
        for statement, rows in groups:
            taken.setdefault(statement.table.name, []).extend(rows)
        return taken

    def flush(self) -> None:
        groups, self._rows = list(self._rows.values()), {}
        if not groups:
            return
        if self._postgres and 1 < sum(len(rows) for _, rows in groups) <= SINGLE_STATEMENT_ROWS:
            _combined(groups, self._session)
            return
        for statement, rows in groups:
            bulk = _bulk_insert(statement.table, rows)
            if len(rows) >= COPY_ROWS:
                bulk.copy(self._session, rows)
            else:
                bulk.execute(self._session, rows)


_BULK: dict[tuple, BulkInsert] = {}  # (table, columns) -> its multi-row INSERT


def _bulk_insert(table: Table, rows: list[dict]) -> BulkInsert:
    columns = tuple(rows[0])
    if any(tuple(row) != columns for row in rows):
        raise ValueError("rows of one INSERT must name the same columns")
    bulk = _BULK.get((table, columns))
    if bulk is None:
        bulk = _BULK[(table, columns)] = BulkInsert(table, columns)
    return bulk


def _shape(groups) -> tuple:
    return tuple((statement.table, tuple(rows[0]), len(rows)) for statement, rows in groups)


def _combined(groups, session: Session) -> None:
    """Send every group's rows as one statement."""
    shape = _shape(groups)
    if any(
        tuple(row) != columns
        for (_, columns, _), (_, rows) in zip(shape, groups, strict=True)
        for row in rows
    ):
        raise ValueError("rows of one INSERT must name the same columns")
    connection = session.connection()
    dialect = connection.dialect
    built = _COMBINED.get(shape)
    if built is None:
        built = _COMBINED[shape] = _build(shape, dialect)
    sql, processors, prepared = built
    parameters = {}
    for number, (_, rows) in enumerate(groups):
        for index, row in enumerate(rows):
            for column, value in row.items():
                name = f"w{number}_{index}_{column}"
                process = processors[name]
                parameters[name] = value if process is None else process(value)
    if available(connection):
        prepared.ensure(connection)
        sql = prepared.execute_sql
    connection.exec_driver_sql(sql, parameters)


def _build(shape: tuple, dialect) -> tuple[str, dict, Prepared]:
    """The statement's SQL, each parameter's bind processor (the column type's: JSON, UTC
    datetimes) and its prepared form (adapters/prepared.py). Compiled here once per shape:
    SQLAlchemy does not cache DML CTEs."""
    inserts = []
    for number, (table, columns, count) in enumerate(shape):
        table: Table
        inserts.append(
            insert(table).values(
                [
                    {
                        column: bindparam(f"w{number}_{index}_{column}", type_=table.c[column].type)
                        for column in columns
                    }
                    for index in range(count)
                ]
            )
        )
    statement = inserts[-1]
    for number, earlier in enumerate(inserts[:-1]):
        statement = statement.add_cte(earlier.cte(f"w{number}"))
    compiled = statement.compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    name = "leads_write_" + hashlib.sha256(compiled.string.encode()).hexdigest()[:16]
    return compiled.string, processors, Prepared(name, compiled.string)
