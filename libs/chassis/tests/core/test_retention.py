"""Retention deletes only old rows the broker has taken (outbox) and old inbox rows, in batches,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, event, insert, select

from crm_chassis.db import make_engine, utcnow
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.retention import Pruner
from crm_testkit import temporary_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def database(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'retention.db'}")
        yield engine
        engine.dispose()
        return
    with temporary_postgres_database("retention") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _fill(engine):
    outbox, inbox = messaging_tables(MetaData())
    outbox.metadata.create_all(engine)
    now = utcnow()
    old, young = now - dt.timedelta(days=8), now - dt.timedelta(days=6)
    rows = []
    # Old: sent, unsubscribed, pending, unroutable, quarantined; then young sent ones.
    for status in ("sent", "unsubscribed", "pending", "unroutable", "quarantined") * 3:
        rows.append((status, old, old if status in ("sent", "unsubscribed") else None))
    rows += [("sent", young, young)] * 4
    with engine.begin() as conn:
        for n, (status, occurred, sent) in enumerate(rows):
            conn.execute(
                insert(outbox).values(
                    event_id=uuid.uuid4().hex,
                    event_type="thing_done",
                    exchange="x.events",
                    aggregate_type="thing",
                    aggregate_id=f"a{n}",
                    aggregate_version=1,
                    payload="{}",
                    headers="{}",
                    occurred_at=occurred,
                    status=status,
                    sent_at=sent,
                )
            )
        for n in range(7):
            conn.execute(
                insert(inbox).values(
                    consumer="x.on_thing",
                    event_id=f"old{n}",
                    event_type="thing_done",
                    processed_at=old,
                )
            )
        conn.execute(
            insert(inbox).values(
                consumer="x.on_thing", event_id="young", event_type="thing_done", processed_at=young
            )
        )
    return outbox, inbox


def test_retention_prunes_only_old_done_outbox_rows_and_old_inbox_rows_in_batches(database):
    outbox, inbox = _fill(database)
    deletes = []

    @event.listens_for(database, "after_cursor_execute")
    def count_deletes(_conn, cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(cursor.rowcount)

    service = f"ret{uuid.uuid4().hex[:6]}"
    counts = Pruner(database, service, retention_days=7, batch_size=2).prune()
    assert counts == {"outbox": 6, "inbox": 7}
    assert max(deletes) <= 2 and sum(deletes) == 13  # in batches of at most 2 rows
    with database.connect() as conn:
        left = conn.execute(select(outbox.c.status, outbox.c.occurred_at)).all()
        inbox_left = conn.execute(select(inbox.c.event_id)).scalars().all()
    cutoff = utcnow() - dt.timedelta(days=7)
    assert sorted(status for status, at in left if at < cutoff) == sorted(
        ["pending", "unroutable", "quarantined"] * 3
    )
    assert [status for status, at in left if at >= cutoff] == ["sent"] * 4
    assert inbox_left == ["young"]
    assert (
        REGISTRY.get_sample_value(
            "retention_pruned_rows_total", {"service": service, "table": "outbox"}
        )
        == 6
    )
    assert Pruner(database, service, retention_days=7, batch_size=2).prune() == {
        "outbox": 0,
        "inbox": 0,
    }
