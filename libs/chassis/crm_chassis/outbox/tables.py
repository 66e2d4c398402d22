"""The outbox and inbox tables every service has in its own database.

Column lists are defined once here and used both by the service's SQLAlchemy metadata and by its
alembic migration (``create_messaging_tables(op)``), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    text,
)

from crm_chassis.db import UtcDateTime

OUTBOX = "outbox"
INBOX = "inbox"

# Status of an outbox row.
PENDING = "pending"  # written, not yet confirmed by the broker
SENT = "sent"  # confirmed by the broker
UNROUTABLE = "unroutable"  # returned although a subscriber declares it: its queue is missing
UNSUBSCRIBED = "unsubscribed"  # accepted by the broker, no service subscribes to it: expected
QUARANTINED = "quarantined"  # failed ``outbox_max_attempts`` publishes; holds back its aggregate
# Rows retention may delete once they are old: the broker has taken them.
DONE = (SENT, UNSUBSCRIBED)

# A row that failed a publish (pending with attempts > 0) or was quarantined holds back the subsequent
# rows of its aggregate, so per-aggregate order survives a row that cannot be published. The
# relay looks such rows up per aggregate for every batch: a partial index keeps that lookup to
# the few held rows. Literal SQL, so PostgreSQL can match the relay's query to the index.
HELD_PREDICATE = f"status = '{QUARANTINED}' OR (status = '{PENDING}' AND attempts > 0)"
HELD_INDEX = "ix_outbox_held"


# PostgreSQL wakes the relay when rows are committed (LISTEN/NOTIFY) instead of leaving them to
# its next poll: a statement-level trigger notifies channel ``crm_outbox``; PostgreSQL delivers
# notifications only at COMMIT (never for a rolled-back change) and folds identical ones of one
# transaction into one. Each service has its own database, so one channel name serves them all.
# SQLite has no notifications: its relay polls (``outbox_poll_seconds``).
NOTIFY_CHANNEL = "crm_outbox"
_NOTIFY_DDL = (
    "CREATE OR REPLACE FUNCTION crm_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$",
    f"CREATE TRIGGER {OUTBOX}_notify AFTER INSERT ON {OUTBOX} "
    "FOR EACH STATEMENT EXECUTE FUNCTION crm_outbox_notify()",
)


def _outbox_columns() -> list[Column[Any] | Index]:
    return [
        # Autoincrement id gives the publish order; per-aggregate order follows from it.
        Column(
            "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        Column("event_id", String(32), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("exchange", String(200), nullable=False),
        Column("aggregate_type", String(50), nullable=False),
        Column("aggregate_id", String(64), nullable=False),
        Column("aggregate_version", BigInteger, nullable=False),
        Column("payload", Text, nullable=False),  # the JSON body exactly as it is published
        Column("headers", Text, nullable=False),  # JSON object of AMQP headers
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("status", String(16), nullable=False, server_default=PENDING),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
        Column("sent_at", UtcDateTime()),
    ]


def _inbox_columns() -> list[Column[Any] | Index]:
    return [
        Column("consumer", String(200), primary_key=True),  # "<service>.<handler method>"
        Column("event_id", String(32), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    ]


def outbox_table(metadata: MetaData) -> Table:
    if OUTBOX in metadata.tables:
        return metadata.tables[OUTBOX]
    table = Table(OUTBOX, metadata, *_outbox_columns())
    # The relay's only query: pending rows in id order. Partial index keeps it tiny.
    Index(
        "ix_outbox_pending",
        table.c.id,
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    )
    Index(
        HELD_INDEX,
        table.c.aggregate_type,
        table.c.aggregate_id,
        table.c.id,
        postgresql_where=text(HELD_PREDICATE),
        sqlite_where=text(HELD_PREDICATE),
    )
    for statement in _NOTIFY_DDL:  # metadata.create_all (tests, tools) gets the trigger too
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]
    return table


def inbox_table(metadata: MetaData) -> Table:
    if INBOX in metadata.tables:
        return metadata.tables[INBOX]
    return Table(INBOX, metadata, *_inbox_columns())


def messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Add the outbox and inbox tables to a service's metadata; returns (outbox, inbox)."""
    return outbox_table(metadata), inbox_table(metadata)


def create_messaging_tables(op: Any) -> None:
    """For a service's first alembic migration: create outbox and inbox as they were first
    defined (additions to them have their own helpers: ``create_outbox_held_index``)."""
    op.create_table(OUTBOX, *_outbox_columns())
    op.create_index(
        "ix_outbox_pending",
        OUTBOX,
        ["id"],
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    )
    op.create_table(INBOX, *_inbox_columns())
    if op.get_bind().dialect.name == "postgresql":
        for statement in _NOTIFY_DDL:
            op.execute(statement)


def create_outbox_held_index(op: Any) -> None:
    """For a service's migration: the index of rows that hold back their aggregate."""
    op.create_index(
        HELD_INDEX,
        OUTBOX,
        ["aggregate_type", "aggregate_id", "id"],
        postgresql_where=text(HELD_PREDICATE),
        sqlite_where=text(HELD_PREDICATE),
    )


def drop_outbox_held_index(op: Any) -> None:
    op.drop_index(HELD_INDEX, table_name=OUTBOX)
