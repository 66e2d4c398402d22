"""The outbox survives a killed relay and a stopped broker: every event arrives, takes effect once.

Integration + chaos: real PostgreSQL and RabbitMQ; the broker test stops RabbitMQ's app for a few
seconds (``rabbitmqctl stop_app``) and always restarts it.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def _assert_exactly_once(bed, ids):
    received = [row["event_id"] for row in bed.received()]
    assert len(received) == len(set(received)) == len(ids)
    assert set(received) == set(ids)
    assert bed.count("inbox") == len(ids)
    assert bed.outbox_statuses() == {"sent": len(ids)}


def test_relay_killed_mid_batch_then_restarted_delivers_everything_once(bed_factory):
    bed = bed_factory(batch_size=25)
    ids = bed.write_events(3000, aggregates=50, per_transaction=500)
    bed.start_worker()
    relay = bed.start_relay()
    sent = bed.wait_for(lambda: bed.outbox_statuses().get("sent", 0), 60, "first batch sent")
    relay.send_signal(signal.SIGKILL)  # no chance to finish or mark its batch
    relay.wait()
    statuses = bed.outbox_statuses()
    assert statuses.get("pending", 0) > 0, f"backlog drained before the kill ({sent} sent)"
    bed.start_relay()
    bed.wait_rows("received", len(ids), timeout=90)
    bed.wait_for(lambda: bed.outbox_statuses() == {"sent": len(ids)}, 30, "all rows marked sent")
    _assert_exactly_once(bed, ids)


def _rabbit(action: str) -> None:
    subprocess.run(["rabbitmqctl", action], check=True, capture_output=True, timeout=60)


def test_broker_down_while_events_are_written_then_everything_arrives(bed_factory):
    bed = bed_factory()
    bed.start_worker()
    bed.wait_worker_ready()
    bed.start_relay()
    ids = bed.write_events(100)
    bed.wait_rows("received", 100)
    stopped_at = time.monotonic()
    _rabbit("stop_app")
    try:
        # Writes commit with their events while the broker is away; nothing is lost.
        ids += bed.write_events(200, per_transaction=10)
        assert bed.outbox_statuses().get("pending", 0) == 200
    finally:
        _rabbit("start_app")
    assert time.monotonic() - stopped_at < 30
    bed.wait_rows("received", 300, timeout=90)
    bed.wait_for(lambda: bed.outbox_statuses() == {"sent": 300}, 30, "all rows marked sent")
    _assert_exactly_once(bed, ids)


def _relay_lock_holders(bed) -> int:
    from sqlalchemy import text

    with bed.producer_engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).scalar_one()


def test_a_standby_relay_takes_over_when_the_active_one_dies(bed_factory):
    bed = bed_factory()
    bed.start_worker()
    active = bed.start_relay()
    ids = bed.write_events(50)
    bed.wait_rows("received", 50)
    standby = bed.start_relay(CRM_LOG_LEVEL="INFO")
    bed.wait_for(
        lambda: "standing by" in standby.log_path.read_text(), 30, "the second relay standing by"
    )
    ids += bed.write_events(50)
    bed.wait_rows("received", 100)
    assert _relay_lock_holders(bed) == 1  # one active relay; the other waits
    active.send_signal(signal.SIGKILL)
    active.wait()
    ids += bed.write_events(50)
    bed.wait_rows("received", 150, timeout=60)
    assert standby.poll() is None and _relay_lock_holders(bed) == 1
    assert "now the active one" in standby.log_path.read_text()
    bed.wait_for(lambda: bed.outbox_statuses() == {"sent": 150}, 30, "all rows marked sent")
    _assert_exactly_once(bed, ids)
