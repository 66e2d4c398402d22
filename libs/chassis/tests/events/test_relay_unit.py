"""The relay's bookkeeping, on SQLite with a fake publisher (no broker)."""
from __future__ import annotations

import threading
import uuid
from functools import partial

import pytest
from sqlalchemy import select

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.testing import ProducerUnitOfWork, producer_metadata
from crm_chassis.outbox.publisher import BatchResult, PublisherConnectionError
from crm_chassis.outbox.relay import OutboxRelay, RelayLeadership, relay_lock_key
from crm_chassis.testing import wait_until


class FakePublisher:
    """Records every batch; ``verdicts`` decides per event name: ok, return, nack, or drop."""

    def __init__(self, verdicts=None, fail_batches=0):
        self.batches: list[list] = []
        self.verdicts = verdicts or {}
        self.fail_batches = fail_batches
        self.closed = False

    def publish_batch(self, messages):
        self.batches.append(messages)
        if self.fail_batches:
            self.fail_batches -= 1
            raise PublisherConnectionError("broker went away")
        result = BatchResult()
        for message in messages:
            verdict = self.verdicts.get(message.event_id, "ok")
            if verdict == "ok":
                result.confirmed.append(message.id)
            elif verdict == "return":
                result.returned.append((message.id, "returned by broker: 312 NO_ROUTE"))
            else:
                result.nacked.append(message.id)
        return result

    def idle(self, seconds, wakeup=None):
        pass

    def close(self):
        self.closed = True


@pytest.fixture
def producer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'producer.db'}")
    metadata = producer_metadata()
    metadata.create_all(engine)
    make_uow = partial(ProducerUnitOfWork, make_session_factory(engine), service_name="unitp",
                       outbox=metadata.tables["outbox"])

    def write(count, aggregates=3):
        ids = []
        with make_uow() as uow:
            for seq in range(count):
                ids.append(uow.emit("something_happened", SomethingHappened(seq=seq),
                                    aggregate_type="thing", aggregate_id=f"a{seq % aggregates}",
                                    aggregate_version=seq // aggregates + 1))
            uow.commit()
        return ids

    def rows():
        outbox = metadata.tables["outbox"]
        with engine.connect() as conn:
            return conn.execute(select(outbox).order_by(outbox.c.id)).mappings().all()

    yield engine, write, rows
    engine.dispose()


def test_publishes_pending_rows_in_id_order_and_marks_them_sent(producer):
    engine, write, rows = producer
    ids = write(7)
    publisher = FakePublisher()
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=3)
    assert [relay.run_once() for _ in range(4)] == [3, 3, 1, 0]
    assert [m.event_id for batch in publisher.batches for m in batch] == ids
    first = publisher.batches[0][0]
    assert (first.exchange, first.routing_key) == ("unitp.events", "something_happened")
    assert first.headers["nameko.call_id_stack"]
    assert all(r["status"] == "sent" and r["sent_at"] and r["attempts"] == 1 for r in rows())


def test_returned_rows_become_unroutable_and_nacked_rows_stay_pending(producer):
    engine, write, rows = producer
    ids = write(3)
    publisher = FakePublisher({ids[0]: "return", ids[1]: "nack"})
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=10)
    relay.run_once()
    first, second, third = rows()
    assert (first["status"], first["last_error"]) == ("unroutable", "returned by broker: 312 NO_ROUTE")
    assert (second["status"], second["attempts"], second["last_error"]) == (
        "pending", 1, "nacked by broker")
    assert third["status"] == "sent"
    publisher.verdicts = {}
    relay.run_once()                       # the nacked row is retried, alone
    assert [m.event_id for m in publisher.batches[-1]] == [ids[1]]
    assert rows()[1]["status"] == "sent" and rows()[1]["attempts"] == 2


def test_after_a_lost_connection_publishing_restarts_from_the_earliest_pending_row(producer):
    engine, write, rows = producer
    ids = write(5)
    publisher = FakePublisher(fail_batches=1)
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=2)
    with pytest.raises(PublisherConnectionError):
        relay.run_once()
    assert all(r["status"] == "pending" for r in rows())
    while relay.run_once():
        pass
    published = [m.event_id for batch in publisher.batches for m in batch]
    assert published == ids[:2] + ids       # the lost batch again, then everything in order
    assert {r["status"] for r in rows()} == {"sent"}


def test_run_loop_drains_the_outbox_and_stops_on_request(producer):
    engine, write, rows = producer
    write(10)
    publisher = FakePublisher(fail_batches=1)     # the loop must survive a broker outage
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=4, max_backoff_seconds=0.01)
    thread = threading.Thread(target=relay.run)
    thread.start()
    try:
        wait_until(lambda: all(r["status"] == "sent" for r in rows()), 10,
                   message="relay loop did not drain the outbox")
    finally:
        relay.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert all(r["status"] == "sent" for r in rows())
    assert publisher.closed


def test_sqlite_needs_no_lock_and_lock_keys_are_stable_signed_64_bit(producer):
    engine, _, _ = producer
    assert RelayLeadership(engine, "unitp").try_acquire()
    key = relay_lock_key("leads")
    assert key == relay_lock_key("leads") != relay_lock_key("deals")
    assert -2**63 <= key < 2**63


def test_relay_metrics_follow_the_outbox(producer):
    from prometheus_client import REGISTRY

    engine, write, _ = producer
    service = f"unitm{uuid.uuid4().hex[:6]}"        # fresh label values for this test

    def sample(name):
        return REGISTRY.get_sample_value(name, {"service": service}) or 0.0

    ids = write(5)
    relay = OutboxRelay(engine, service, FakePublisher({ids[4]: "return"}), batch_size=2)
    relay.run_once()
    assert sample("outbox_pending_events") == 5          # measured before the batch
    assert sample("outbox_oldest_pending_age_seconds") >= 0
    while relay.run_once():
        pass
    assert sample("outbox_published_total") == 4
    assert sample("outbox_unroutable_total") == 1
    assert sample("outbox_pending_events") == 0 and sample("outbox_oldest_pending_age_seconds") == 0
    assert sample("outbox_publish_batch_seconds_count") == 3
