"""Many rows into one table in one statement, at the driver's cost rather than SQLAlchemy's.

    DECISIONS = BulkInsert(routing_decisions)
    DECISIONS.execute(session, [{"lead_id": ..., ...}, ...])

Why: SQLAlchemy's executemany of an ``insert()`` (insertmanyvalues) builds a parameter dict
per row and a name per value, then hands psycopg2 one multi-row statement to quote again: about
40 µs a row here, a tenth of territory's CPU per routed lead in a bulk import. This renders the
same multi-row INSERT with exact literals (``_row_literal``; psycopg2's ``cursor.mogrify`` for
any unusual value) and runs it through the session's connection (``exec_driver_sql``), so the statement is in the unit of work's
transaction and a constraint violation still arrives as SQLAlchemy's ``IntegrityError``.

Values pass through each column type's bind processor first (``UtcDateTime`` refuses naive
datetimes here too). Any other driver than psycopg2 (SQLite in ``make run`` and in unit tests)
takes SQLAlchemy's executemany unchanged.

``BulkUpdate`` sets the same columns of many rows, each found by its key, in one UPDATE ... FROM
(VALUES ...) with the same literals (a batch of leads changed alike, e.g. routing decisions).

``copy`` writes the same rows with PostgreSQL's ``COPY ... FROM STDIN`` (text format) instead:
the server neither parses nor plans a statement of thousands of literals, which is what a bulk
import's batch costs PostgreSQL. Same transaction, same bind processors, a constraint violation
still an ``IntegrityError``; a row holding a value of another type than str, int, bool, None or
an aware datetime goes through ``execute`` (the whole batch), and so does every other driver and
psycopg2 with a wait callback (a worker's green connections, where it refuses COPY).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

# Per dialect: (INSERT prefix, row template, bind processors, whether any processor is set).
_Prepared = tuple[str, str, tuple[Callable[[Any], Any] | None, ...], bool]


class BulkInsert:
    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self.table = table
        self.columns = tuple(columns or table.c.keys())
        self._insert = insert(table)
        self._prepared: dict[str, _Prepared] = {}  # per dialect: (prefix, row template, processors)

    def _prepare(self, dialect: Dialect) -> _Prepared:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            quote = dialect.identifier_preparer.quote
            prefix = (
                f"INSERT INTO {dialect.identifier_preparer.format_table(self.table)} "
                f"({', '.join(quote(name) for name in self.columns)}) VALUES "
            )
            template = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
            processors = tuple(
                self.table.c[name].type.bind_processor(dialect) for name in self.columns
            )
            prepared = self._prepared[dialect.name] = (
                prefix,
                template,
                processors,
                any(p is not None for p in processors),
            )
        return prepared

    def _values(self, dialect: Dialect, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        _, _, processors, processed = self._prepare(dialect)
        columns = self.columns
        if processed:
            return [
                tuple(
                    value if process is None else process(value)
                    for value, process in zip((row[c] for c in columns), processors, strict=False)
                )
                for row in rows
            ]
        return [tuple(row[c] for c in columns) for row in rows]

    def copy(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """The rows with ``COPY FROM STDIN`` on psycopg2 (see the module's docstring)."""
        if not rows:
            return
        connection = session.connection()
        if connection.dialect.driver != "psycopg2" or _green_psycopg2():
            self.execute(session, rows)
            return
        values = self._values(connection.dialect, rows)
        try:
            text = "".join([_copy_line(row) for row in values])
        except _NotPlain:
            self.execute(session, rows)
            return
        quote = connection.dialect.identifier_preparer.quote
        sql = (
            f"COPY {connection.dialect.identifier_preparer.format_table(self.table)} "
            f"({', '.join(quote(name) for name in self.columns)}) FROM STDIN"
        )
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.copy_expert(sql, io.StringIO(text))
        except Exception as exc:
            # As an INSERT's violation arrives: the unit of work maps it (e.g. ALREADY_EXISTS).
            # psycopg2's IntegrityError (UniqueViolation, ...) by name: the chassis does not
            # import the driver.
            if any(kind.__name__ == "IntegrityError" for kind in type(exc).__mro__):
                raise IntegrityError(sql, None, exc) from exc
            raise
        finally:
            cursor.close()

    def execute(self, session: Session, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        connection = session.connection()
        if connection.dialect.driver != "psycopg2":
            session.execute(self._insert, rows)
            return
        prefix, _, _, _ = self._prepare(connection.dialect)
        sql = prefix + self._literal_rows(connection, rows)
        # no_parameters: the values are already quoted in; a "%" among them is just a character.
        connection.exec_driver_sql(sql, execution_options={"no_parameters": True})

    def _literal_rows(self, connection: Any, rows: list[dict[str, Any]]) -> str:
        """The rows as "(v, ...), (v, ...)" with exact literals (psycopg2 only)."""
        _, template, _, _ = self._prepare(connection.dialect)
        values = self._values(connection.dialect, rows)
        dbapi_connection: Any = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            if _plain_literals_are_exact(dbapi_connection):
                mogrify = functools.partial(_mogrify, cursor.mogrify, template)
                return ", ".join([_row_literal(row, mogrify) for row in values])
            return b", ".join([cursor.mogrify(template, row) for row in values]).decode()
        finally:
            cursor.close()


class BulkUpdate(BulkInsert):
    """Many rows' new values of the same ``columns``, each row found by ``key``, in ONE
    statement on psycopg2 (``UPDATE t SET c = v.c FROM (VALUES ...) AS v WHERE t.key = v.key``,
    each value cast to its column's type), instead of an executemany of one UPDATE per row that
    PostgreSQL parses and plans row by row. Same literals, bind processors and transaction as
    ``execute``; other drivers take SQLAlchemy's executemany. Rows are dicts of ``key`` and
    ``columns``."""

    def __init__(self, table: Table, key: str, columns: Sequence[str]) -> None:
        super().__init__(table, (key, *columns))
        self.key = key
        self._update = update(table).where(table.c[key] == bindparam("_bulk_key"))

    def execute(self, session: Session, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        connection = session.connection()
        if connection.dialect.driver != "psycopg2":
            columns = self.columns[1:]
            session.execute(
                self._update,
                [{"_bulk_key": row[self.key], **{c: row[c] for c in columns}} for row in rows],
            )
            return
        preparer = connection.dialect.identifier_preparer
        table, quote = preparer.format_table(self.table), preparer.quote

        def cast(name: str) -> str:
            sql_type = self.table.c[name].type.compile(dialect=connection.dialect)
            return f"CAST(v.{quote(name)} AS {sql_type})"

        assignments = ", ".join(f"{quote(name)} = {cast(name)}" for name in self.columns[1:])
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES "
            + self._literal_rows(connection, rows)
            + f") AS v ({', '.join(quote(name) for name in self.columns)}) "
            + f"WHERE {table}.{quote(self.key)} = {cast(self.key)}"
        )
        connection.exec_driver_sql(sql, execution_options={"no_parameters": True})


# Literals for the common value types, written here instead of by psycopg2's adapters (one
# adapter object per value: ~1 µs each, ~10 µs for an outbox row; this is ~3x faster). A string
# literal is exact as '...' with each ' doubled when the server reads backslashes literally
# (standard_conforming_strings = on, PostgreSQL's default since 9.1) and the client encoding is
# UTF-8 (no multi-byte encoding can hide a quote); otherwise, and for every other type of
# value, psycopg2 quotes as before.
def _plain_literals_are_exact(dbapi_connection: Any) -> bool:
    info = dbapi_connection.info
    return bool(
        info.parameter_status("standard_conforming_strings") == "on"
        and dbapi_connection.encoding == "UTF8"
    )


def _mogrify(
    mogrify: Callable[[str, tuple[Any, ...]], bytes], template: str, row: tuple[Any, ...]
) -> str:
    return mogrify(template, row).decode()


def _row_literal(row: tuple[Any, ...], mogrify: Callable[[tuple[Any, ...]], str]) -> str:
    parts = []
    for value in row:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                raise ValueError("A string literal cannot contain NUL (0x00) characters.")
            parts.append("'" + value.replace("'", "''") + "'")
        elif kind is int:
            parts.append(str(value))
        elif value is None:
            parts.append("NULL")
        elif kind is bool:
            parts.append("true" if value else "false")
        elif kind is dt.datetime and value.tzinfo is not None:
            parts.append("'" + value.isoformat() + "'::timestamptz")
        else:
            return mogrify(row)  # anything else: psycopg2 quotes the whole row
    return "(" + ", ".join(parts) + ")"


# COPY's text format: a backslash, a tab (the delimiter) and line ends are escaped.
def _copy_text(value: str) -> str:
    # Looked for first, replaced only when present: most values (a record's JSON document of a
    # kilobyte or two among them) hold none, and str.translate walks every character through
    # a table, ~30 times the cost of these scans on such a document.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _green_psycopg2() -> bool:
    """Whether psycopg2 waits through a callback (the eventlet workers' green connections),
    with which it refuses COPY. Read from the driver's loaded module: the chassis does not
    import the driver."""
    extensions = sys.modules.get("psycopg2.extensions")
    return extensions is not None and extensions.get_wait_callback() is not None


class _NotPlain(Exception):
    """A value COPY's text form is not written for here: the batch goes as an INSERT."""


def _copy_line(row: tuple[Any, ...]) -> str:
    parts = []
    for value in row:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                raise ValueError("A string literal cannot contain NUL (0x00) characters.")
            parts.append(_copy_text(value))
        elif kind is int:
            parts.append(str(value))
        elif value is None:
            parts.append("\\N")
        elif kind is bool:
            parts.append("t" if value else "f")
        elif kind is dt.datetime and value.tzinfo is not None:
            parts.append(value.isoformat())
        else:
            raise _NotPlain
    return "\t".join(parts) + "\n"
