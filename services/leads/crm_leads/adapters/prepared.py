"""Server-side prepared statements for leads' hot statements on PostgreSQL (psycopg2).

psycopg2 sends every statement as text, so PostgreSQL parses and plans it on every call. For
statements over the 55 columns of ``leads`` with its many (partial) indexes that costs more
than running them: a capture's lookup took ~0.9 ms of which ~0.1 ms was execution, and every
GetLead paid the same. A statement is prepared (``PREPARE``) the first time a connection uses
it and then runs as ``EXECUTE name(...)``: parsed once per connection and, once PostgreSQL
settles on a generic plan, planned once too.

The set of statements a connection has prepared lives in its ``info`` (SQLAlchemy clears it
when the DBAPI connection is replaced). Prepared statements are session state: they need a
direct connection or session pooling, not a transaction-pooling proxy. Other drivers run the
plain statements (:func:`available`).
"""

from __future__ import annotations

import re

from sqlalchemy import text

_PARAMETER = re.compile(r"%\((\w+)\)s")


def available(connection) -> bool:
    return connection.dialect.driver == "psycopg2"


class Prepared:
    """One statement, given as SQLAlchemy compiled it for psycopg2 (``%(name)s`` parameters).

    ``execute_sql`` is what a caller sends (``EXECUTE name(%(a)s, ...)``), after calling
    :meth:`ensure` on the connection; ``prefix`` is sent in the same round trip before it
    (e.g. the advisory locks, which must run as a statement of their own)."""

    def __init__(self, name: str, sql: str):
        names = list(dict.fromkeys(_PARAMETER.findall(sql)))
        numbered = _PARAMETER.sub(lambda match: f"${names.index(match.group(1)) + 1}", sql)
        if "%" in numbered:
            raise ValueError(f"{name}: a literal % would need unescaping")
        self.name, self.parameters = name, names
        self._prepare = f"PREPARE {name} AS {numbered}"
        self.execute_sql = (
            f"EXECUTE {name}({', '.join(f'%({n})s' for n in names)})"
            if names
            else f"EXECUTE {name}"
        )

    def ensure(self, connection) -> None:
        """PREPARE on this connection unless it did before (PREPARE survives a rollback)."""
        done = connection.info.setdefault("leads_prepared", set())
        if self.name not in done:
            cursor = connection.connection.dbapi_connection.cursor()
            try:
                cursor.execute(self._prepare)  # no parameters: sent verbatim
            finally:
                cursor.close()
            done.add(self.name)

    def textual(self, *columns, prefix: str = ""):
        """A typed TextualSelect running this statement (with ``prefix`` first), for
        ``session.execute`` with the result columns' types (JSON, UTC datetimes)."""
        sql = _PARAMETER.sub(lambda match: f":{match.group(1)}", self.execute_sql)
        return text(f"{prefix}; {sql}" if prefix else sql).columns(*columns)
