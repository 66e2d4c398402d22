"""On PostgreSQL the outbox trigger notifies the relay's listening connection at COMMIT — and
only then: a rolled-back change wakes nobody."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, insert

from crm_chassis.db import make_engine, utcnow
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.outbox.wakeup import OutboxWakeup
from crm_testkit import temporary_postgres_database

pytestmark = pytest.mark.integration


@pytest.fixture
def outbox():
    with temporary_postgres_database("wakeup") as url:
        engine = make_engine(url)
        metadata = MetaData()
        table, _ = messaging_tables(metadata)
        metadata.create_all(engine)
        yield engine, table
        engine.dispose()


def _row(n):
    return dict(
        event_id=f"e{n}",
        event_type="thing_done",
        exchange="x.events",
        aggregate_type="thing",
        aggregate_id="a",
        aggregate_version=n,
        payload="{}",
        headers="{}",
        occurred_at=utcnow(),
    )


def test_a_commit_wakes_the_listener_and_a_rollback_does_not(outbox):
    engine, table = outbox
    wakeup = OutboxWakeup.for_engine(engine)
    try:
        assert wakeup.fileno() is not None and not wakeup.drain()
        with engine.connect() as conn:
            conn.execute(insert(table).values(**_row(1)))
            conn.rollback()
        assert wakeup.wait(0.3) is False  # nothing was committed
        with engine.begin() as conn:
            conn.execute(insert(table).values(**_row(2)))
            conn.execute(insert(table).values(**_row(3)))
        assert wakeup.wait(10) is True  # the commit notified
        assert wakeup.wait(0.3) is False  # once: both inserts folded into one
    finally:
        wakeup.close()


def test_sqlite_has_no_wakeup_and_relays_poll():
    assert OutboxWakeup.for_engine(make_engine("sqlite://")) is None
