"""The relay's bookkeeping, on SQLite with a fake publisher (no broker)."""

from __future__ import annotations

import threading
import uuid
from functools import partial

import pytest
from sqlalchemy import MetaData, select

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.outbox.publisher import BatchResult, PublisherConnectionError
from crm_chassis.outbox.relay import OutboxRelay, RelayLeadership, relay_lock_key
from crm_testkit import wait_until
from crm_testkit.messaging import ProducerUnitOfWork, producer_metadata


class FakePublisher:
    """Records every batch; ``verdicts`` decides per event id: ok, return, nack, or drop (the
    connection is lost while the batch carrying that event is published)."""

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
        if any(self.verdicts.get(m.event_id) == "drop" for m in messages):
            raise PublisherConnectionError("connection reset by the broker")
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
    make_uow = partial(
        ProducerUnitOfWork,
        make_session_factory(engine),
        service_name="unitp",
        outbox=metadata.tables["outbox"],
    )

    def write(count, aggregates=3):
        ids = []
        with make_uow() as uow:
            for seq in range(count):
                ids.append(
                    uow.emit(
                        "something_happened",
                        SomethingHappened(seq=seq),
                        aggregate_type="thing",
                        aggregate_id=f"a{seq % aggregates}",
                        aggregate_version=seq // aggregates + 1,
                    )
                )
            uow.commit()
        return ids

    def rows():
        outbox = metadata.tables["outbox"]
        with engine.connect() as conn:
            return conn.execute(select(outbox).order_by(outbox.c.id)).mappings().all()

    def write_for(*aggregates):
        """One event per aggregate id given, in that order; returns their event ids."""
        with make_uow() as uow:
            ids = [
                uow.emit(
                    "something_happened",
                    SomethingHappened(seq=n),
                    aggregate_type="thing",
                    aggregate_id=aggregate,
                    aggregate_version=n + 1,
                )
                for n, aggregate in enumerate(aggregates)
            ]
            uow.commit()
        return ids

    rows.write_for = write_for
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
    assert (first["status"], first["last_error"]) == (
        "unroutable",
        "returned by broker: 312 NO_ROUTE",
    )
    assert (second["status"], second["attempts"], second["last_error"]) == (
        "pending",
        1,
        "nacked by broker",
    )
    assert third["status"] == "sent"
    publisher.verdicts = {}
    relay.run_once()  # the nacked row is retried, alone
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
    assert published == ids[:2] + ids  # the lost batch again, then everything in order
    assert {r["status"] for r in rows()} == {"sent"}


def test_run_loop_drains_the_outbox_and_stops_on_request(producer):
    engine, write, rows = producer
    write(10)
    publisher = FakePublisher(fail_batches=1)  # the loop must survive a broker outage
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=4, max_backoff_seconds=0.01)
    thread = threading.Thread(target=relay.run)
    thread.start()
    try:
        wait_until(
            lambda: all(r["status"] == "sent" for r in rows()),
            10,
            message="relay loop did not drain the outbox",
        )
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
    assert -(2**63) <= key < 2**63


def test_relay_metrics_follow_the_outbox(producer):
    from prometheus_client import REGISTRY

    engine, write, _ = producer
    service = f"unitm{uuid.uuid4().hex[:6]}"  # fresh label values for this test

    def sample(name):
        return REGISTRY.get_sample_value(name, {"service": service}) or 0.0

    ids = write(5)
    relay = OutboxRelay(engine, service, FakePublisher({ids[4]: "return"}), batch_size=2)
    relay.run_once()
    assert sample("outbox_pending_events") == 5  # measured before the batch
    assert sample("outbox_oldest_pending_age_seconds") >= 0
    while relay.run_once():
        pass
    assert sample("outbox_published_total") == 4
    assert sample("outbox_unroutable_total") == 1
    assert sample("outbox_pending_events") == 0 and sample("outbox_oldest_pending_age_seconds") == 0
    assert sample("outbox_publish_batch_seconds_count") == 3


def _published(publisher):
    return [m.event_id for batch in publisher.batches for m in batch]


def _by_event(rows):
    return {r["event_id"]: r for r in rows()}


@pytest.mark.parametrize("failure", ["nack", "drop"])
def test_a_poison_row_is_quarantined_after_max_attempts_other_aggregates_flow_its_own_waits(
    producer, failure
):
    engine, _, rows = producer
    poison, _other = rows.write_for("a", "b")
    publisher = FakePublisher({poison: failure})
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=10, max_attempts=3)
    if failure == "drop":
        with pytest.raises(PublisherConnectionError):
            relay.run_once()
    else:
        relay.run_once()
    # The failed publish counted an attempt (a lost connection included).
    assert (
        _by_event(rows)[poison]["attempts"] == 1 and _by_event(rows)[poison]["status"] == "pending"
    )
    following_a, following_b = rows.write_for("a", "b")
    for _ in range(2):
        try:
            relay.run_once()
        except PublisherConnectionError:
            pass
    state = _by_event(rows)
    assert (state[poison]["status"], state[poison]["attempts"]) == ("quarantined", 3)
    assert state[poison]["last_error"]
    assert state[following_b]["status"] == "sent"  # another aggregate flowed meanwhile
    assert state[following_a]["status"] == "pending"  # its own aggregate waits behind it, unsent
    assert following_a not in _published(publisher)
    published_before = len(_published(publisher))
    relay.run_once()  # quarantined: not retried, still holds "a"
    assert len(_published(publisher)) == published_before
    assert _by_event(rows)[following_a]["status"] == "pending"


def test_a_connection_drop_counts_an_attempt_on_every_row_of_the_batch_then_isolates_the_culprit(
    producer,
):
    engine, _, rows = producer
    poison, innocent = rows.write_for("a", "b")
    publisher = FakePublisher({poison: "drop"})
    relay = OutboxRelay(engine, "unitp", publisher, batch_size=10, max_attempts=5)
    with pytest.raises(PublisherConnectionError):
        relay.run_once()
    assert {r["event_id"]: r["attempts"] for r in rows()} == {poison: 1, innocent: 1}
    with pytest.raises(PublisherConnectionError):
        relay.run_once()  # each held row goes out alone: the innocent one passes
    state = _by_event(rows)
    assert (state[poison]["attempts"], state[poison]["status"]) == (2, "pending")
    assert state[innocent]["status"] == "sent"
    assert [m.event_id for m in publisher.batches[-2]] == [poison]


def test_an_unreachable_broker_costs_no_attempt(producer):
    engine, _, rows = producer
    rows.write_for("a")

    class Unreachable(FakePublisher):
        is_connected = False

        def connect(self):
            raise PublisherConnectionError("connection refused")

    relay = OutboxRelay(engine, "unitp", Unreachable(), max_attempts=1)
    for _ in range(3):
        with pytest.raises(PublisherConnectionError):
            relay.run_once()
    assert [(r["status"], r["attempts"]) for r in rows()] == [("pending", 0)]


def test_events_nobody_subscribes_to_are_unsubscribed_not_unroutable(producer):
    from prometheus_client import REGISTRY

    engine, _, rows = producer
    service = f"unitu{uuid.uuid4().hex[:6]}"
    (unbound,) = rows.write_for("a")
    relay = OutboxRelay(
        engine, service, FakePublisher({unbound: "return"}), subscribed_events={"other_event"}
    )
    relay.run_once()
    assert rows()[0]["status"] == "unsubscribed" and rows()[0]["sent_at"]
    assert REGISTRY.get_sample_value("outbox_unsubscribed_total", {"service": service}) == 1
    assert not REGISTRY.get_sample_value("outbox_unroutable_total", {"service": service})
    # A subscribed type that still comes back: its bound queue is missing.
    (missing,) = rows.write_for("b")
    relay = OutboxRelay(
        engine,
        service,
        FakePublisher({missing: "return"}),
        subscribed_events={"something_happened"},
    )
    relay.run_once()
    assert _by_event(rows)[missing]["status"] == "unroutable"
    assert REGISTRY.get_sample_value("outbox_unroutable_total", {"service": service}) == 1


def test_crm_outbox_lists_and_retries_quarantined_rows(producer, monkeypatch, capsys):
    from crm_chassis.outbox import console

    engine, _, rows = producer
    (poison,) = rows.write_for("a")
    publisher = FakePublisher({poison: "nack"})
    relay = OutboxRelay(engine, "unitp", publisher, max_attempts=1)
    relay.run_once()
    (following,) = rows.write_for("a")
    relay.run_once()
    assert _by_event(rows)[following]["status"] == "pending"
    monkeypatch.setenv("CRM_UNITP_DATABASE_URL", str(engine.url))
    assert console.main(["quarantined", "--service", "unitp"]) == 0
    listed = capsys.readouterr().out
    assert "something_happened\tthing/a\tattempts=1" in listed and "1 quarantined row" in listed
    assert console.main(["retry", "--service", "unitp"]) == 0
    assert "1 row(s)" in capsys.readouterr().out
    publisher.verdicts = {}
    relay.run_once()  # retried first, alone; its aggregate follows
    assert {r["status"] for r in rows()} == {"sent"}
    assert _published(publisher)[-2:] == [poison, following]


def test_the_relay_loop_prunes_old_sent_rows_while_idle(producer):
    import datetime as dt

    from sqlalchemy import update

    from crm_chassis.db import utcnow
    from crm_chassis.outbox.tables import outbox_table
    from crm_chassis.retention import Pruner

    engine, write, rows = producer
    old, young = write(2)
    relay = OutboxRelay(engine, "unitp", FakePublisher())
    relay.run_once()
    table = outbox_table(MetaData())
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.event_id == old)
            .values(
                sent_at=utcnow() - dt.timedelta(days=8), occurred_at=utcnow() - dt.timedelta(days=8)
            )
        )
    relay = OutboxRelay(
        engine, "unitp", FakePublisher(), pruner=Pruner(engine, "unitp", retention_days=7)
    )
    thread = threading.Thread(target=relay.run)
    thread.start()
    try:
        wait_until(
            lambda: [r["event_id"] for r in rows()] == [young],
            10,
            message="the relay did not prune the old sent row",
        )
    finally:
        relay.stop()
        thread.join(10)


def test_crm_outbox_on_a_database_without_an_outbox_says_what_to_do(tmp_path, monkeypatch, capsys):
    from crm_chassis.outbox import console

    monkeypatch.setenv("CRM_UNITP_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert console.main(["quarantined", "--service", "unitp"]) == 1
    assert "migrated (python -m crm_unitp.migrate)" in capsys.readouterr().err


def test_a_retried_row_goes_out_before_its_aggregates_held_rows(producer):
    from crm_chassis.outbox.console import retry_quarantined

    engine, _, rows = producer
    poison, follower = rows.write_for("a", "a")
    publisher = FakePublisher({poison: "drop"})
    relay = OutboxRelay(engine, "unitp", publisher, max_attempts=2)
    for _ in range(2):
        with pytest.raises(PublisherConnectionError):
            relay.run_once()
    state = _by_event(rows)
    assert (state[poison]["status"], state[follower]["attempts"]) == ("quarantined", 1)
    assert retry_quarantined(engine) == 1
    publisher.verdicts = {}
    relay.run_once()
    assert [m.event_id for batch in publisher.batches[-2:] for m in batch] == [poison, follower]
    assert {r["status"] for r in rows()} == {"sent"}


def test_a_nacked_row_holds_back_its_aggregates_held_row_in_the_same_batch(producer):
    engine, _, rows = producer
    first, second = rows.write_for("a", "a")
    publisher = FakePublisher({first: "drop"})
    relay = OutboxRelay(engine, "unitp", publisher, max_attempts=5)
    with pytest.raises(PublisherConnectionError):
        relay.run_once()  # both rows: one attempt
    from sqlalchemy import update

    from crm_chassis.outbox.tables import outbox_table

    table = outbox_table(MetaData())
    with engine.begin() as conn:  # the first row fresh again, the second still held
        conn.execute(update(table).where(table.c.event_id == first).values(attempts=0))
    publisher.verdicts = {first: "nack"}
    relay.run_once()
    assert _published(publisher)[-1] == first  # the held second row did not overtake
    assert _by_event(rows)[second]["status"] == "pending"
