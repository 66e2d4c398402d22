"""The common capture in one round trip to PostgreSQL: ``leads_capture_new`` (migration
0004_capture_function) takes the advisory locks of the idempotency key and the duplicate keys,
checks them, and inserts the lead, its history, its outbox events and its key, or answers
false having written nothing.

Called on a connection in autocommit, the function runs as the statement's own transaction,
which PostgreSQL commits (synchronously: the WAL is flushed) before it reports the statement
complete; psycopg2 returns only then, so a lead is acknowledged only once it is durable. A
unit of work that has read already (a scoring model, a campaign) calls it inside its
transaction and commits after it: two round trips.

The rows travel as JSON (one array per table): the function then has one signature whatever
the columns, and ``jsonb_populate_recordset`` gives every value its column's type.
"""

from __future__ import annotations

import datetime as dt
import json
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


def call(session: Session, parameters: dict[str, object]) -> tuple[bool, bool]:
    """Run the function; answers (created, committed). Not created: the key or a duplicate
    was found, or a unique index refused a row (a capture racing this one past the locks), and
    nothing was written. On an idle psycopg2 connection the call commits by itself; inside a
    transaction (the unit of work has read) the caller commits."""
    fresh = not session.in_transaction()
    connection = session.connection()  # psycopg2 sends BEGIN lazily: none has gone out yet
    dbapi_connection = connection.connection.dbapi_connection
    autocommit = (
        fresh
        and available(connection)
        and dbapi_connection.info.transaction_status
        == connection.dialect.dbapi.extensions.TRANSACTION_STATUS_IDLE
    )
    if autocommit:
        # psycopg2's own flag, for this call only (SQLAlchemy's AUTOCOMMIT isolation level
        # would send a SET when the connection goes back to the pool). The call still goes
        # through SQLAlchemy, so a dropped connection is a disconnect error that renews the
        # pool and answers UNAVAILABLE, as every other statement.
        dbapi_connection.autocommit = True
    try:
        created = bool(connection.exec_driver_sql(CALL, parameters).scalar_one())
    except IntegrityError:
        session.rollback()
        return False, False
    finally:
        if autocommit and not dbapi_connection.closed:
            dbapi_connection.autocommit = False
    return created, autocommit
