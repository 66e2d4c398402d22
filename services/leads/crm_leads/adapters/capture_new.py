"""The common capture in one round trip to PostgreSQL: ``leads_capture_new`` (migration
0004_capture_function) takes the advisory locks of the idempotency key and the duplicate keys,
checks them, and inserts the lead, its history, its outbox events and its key, or answers
false having written nothing.

Called on a connection in autocommit, the function runs as the statement's own transaction,
which PostgreSQL commits (synchronously: the WAL is flushed) before it reports the statement
complete; psycopg2 returns only then, so a lead is acknowledged only once it is durable. The
reads of the capture itself (a sales line's models) run in autocommit before it; a unit of
work that has begun a transaction already (a campaign checked first) calls the function
inside it and commits after it.

The rows travel as JSON (one array per table): the function then has one signature whatever
the columns, and ``jsonb_populate_recordset`` gives every value its column's type.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_leads.adapters.locks import ordered_keys
from crm_leads.adapters.prepared import available
from crm_leads.adapters.repositories import lookup_keys
from crm_leads.domain.duplicates import DuplicateKeys

CALL = (
    "SELECT leads_capture_new(CAST(%(locks)s AS bigint[]), %(caller_id)s, %(key)s, %(email)s, "
    "%(phone)s, %(company_person)s, CAST(%(leads)s AS jsonb), CAST(%(lead_history)s AS jsonb), "
    "CAST(%(outbox)s AS jsonb), CAST(%(lead_idempotency_keys)s AS jsonb))"
)
TABLES = ("leads", "lead_history", "outbox", "lead_idempotency_keys")


def _json_value(value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.isoformat()
    if isinstance(value, Decimal | dt.date):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form for a capture row")


_ENCODE = json.JSONEncoder(separators=(",", ":"), default=_json_value, ensure_ascii=False).encode


def parameters(
    key_owner: str, key: str, keys: DuplicateKeys, rows: dict[str, list[dict]]
) -> dict[str, object]:
    """The call's parameters: ``rows`` maps each table of TABLES to its rows."""
    unexpected = set(rows) - set(TABLES)
    if unexpected:
        raise ValueError(f"a capture writes no rows to {', '.join(sorted(unexpected))}")
    locks = ordered_keys([("idempotency", key_owner, key)] + lookup_keys(keys))
    return {
        "locks": locks,
        "caller_id": key_owner,
        "key": key,
        "email": keys.email or None,
        "phone": keys.phone or None,
        "company_person": keys.company_person or None,
        **{table: _ENCODE(rows.get(table, [])) for table in TABLES},
    }


@contextlib.contextmanager
def autocommit(session: Session) -> Iterator[bool]:
    """Run the block's statements in autocommit when the unit of work has not begun a
    transaction on an idle psycopg2 connection (yields True then): the reads ``write`` makes
    (a line's scoring and predictive models) need no BEGIN, and the function call commits by
    itself. Otherwise (yields False) the block runs in the unit of work's transaction.

    psycopg2's own flag, switched for the block only (SQLAlchemy's AUTOCOMMIT isolation level
    would send a SET when the connection goes back to the pool). Statements still go through
    SQLAlchemy, so a dropped connection is a disconnect error that renews the pool and answers
    UNAVAILABLE, as everywhere else. The reads see what is committed when each runs, as they
    do in a READ COMMITTED transaction: they lock nothing there either."""
    fresh = not session.in_transaction()
    connection = session.connection()  # psycopg2 sends BEGIN lazily: none has gone out yet
    dbapi_connection = connection.connection.dbapi_connection
    switched = (
        fresh
        and available(connection)
        and dbapi_connection.info.transaction_status
        == connection.dialect.dbapi.extensions.TRANSACTION_STATUS_IDLE
    )
    if switched:
        dbapi_connection.autocommit = True
    try:
        yield switched
    finally:
        if switched and not dbapi_connection.closed:
            dbapi_connection.autocommit = False


def call(session: Session, parameters: dict[str, object]) -> bool:
    """Run the function: True when the capture is written (and committed, in autocommit);
    False when the key or a duplicate was found, or a unique index refused a row (a capture
    racing this one past the locks): nothing was written then."""
    try:
        return bool(session.connection().exec_driver_sql(CALL, parameters).scalar_one())
    except IntegrityError:  # the unit of work, left without commit, rolls back
        return False
