"""Relay leadership on PostgreSQL: fenced per batch, truthful about why it stands by, and the
backlog gauges kept by standbys too."""

from __future__ import annotations

import logging
import threading
import uuid
from functools import partial

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, select, text

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.outbox.leadership import LeadershipLost, Standing
from crm_chassis.outbox.publisher import BatchResult
from crm_chassis.outbox.relay import OutboxRelay
from crm_testkit import PG_ADMIN_URL, free_port, temporary_postgres_database, wait_until
from crm_testkit.messaging import ProducerUnitOfWork, producer_metadata

pytestmark = pytest.mark.integration


class RecordingPublisher:
    def __init__(self):
        self.batches = []

    def publish_batch(self, messages):
        self.batches.append([m.event_id for m in messages])
        return BatchResult(confirmed=[m.id for m in messages])

    def idle(self, seconds, wakeup=None):
        threading.Event().wait(min(seconds, 0.05))

    def close(self):
        pass


@pytest.fixture
def outbox():
    with temporary_postgres_database("fence") as url:
        engine = make_engine(url)
        metadata = producer_metadata()
        metadata.create_all(engine)
        make_uow = partial(
            ProducerUnitOfWork,
            make_session_factory(engine),
            service_name="fence",
            outbox=metadata.tables["outbox"],
        )

        def write(count):
            with make_uow() as uow:
                ids = [
                    uow.emit(
                        "something_happened",
                        SomethingHappened(seq=n),
                        aggregate_type="thing",
                        aggregate_id=f"a{n}",
                        aggregate_version=1,
                    )
                    for n in range(count)
                ]
                uow.commit()
            return ids

        def statuses():
            outbox_table = metadata.tables["outbox"]
            with engine.connect() as conn:
                return conn.execute(select(outbox_table.c.status)).scalars().all()

        engines = [engine]

        def another_engine():
            engines.append(make_engine(url))
            return engines[-1]

        try:
            yield engine, write, statuses, another_engine
        finally:
            for each in engines:
                each.dispose()


def test_a_leader_whose_lock_session_was_killed_stops_before_its_next_batch(outbox):
    engine, write, statuses, another_engine = outbox
    ids = write(3)
    old_publisher, new_publisher = RecordingPublisher(), RecordingPublisher()
    old = OutboxRelay(engine, "fence", old_publisher)
    new = OutboxRelay(another_engine(), "fence", new_publisher)
    try:
        assert old.leadership.try_acquire() is Standing.LEADER
        assert new.leadership.try_acquire() is Standing.STANDBY
        with pytest.raises(LeadershipLost):
            new.run_once()  # a standby cannot even read a batch
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                # with a timeout it returns once the backend has exited, i.e. once its
                # advisory lock is released (without one it only signals the backend)
                assert conn.execute(
                    text("SELECT pg_terminate_backend(:p, 10000)"),
                    {"p": old.leadership.backend_pid},
                ).scalar()
        finally:
            admin.dispose()
        assert new.leadership.try_acquire() is Standing.LEADER
        with pytest.raises(LeadershipLost):
            old.run_once()  # fenced: it learns before publishing anything
        assert old_publisher.batches == [] and not old.leadership.is_leader
        assert new.run_once() == 3
        assert new_publisher.batches == [ids] and set(statuses()) == {"sent"}
        assert old.leadership.try_acquire() is Standing.STANDBY
    finally:
        old.leadership.release()
        new.leadership.release()


def _run(relay):
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    return thread


def test_a_standby_keeps_the_backlog_gauges_and_says_another_relay_leads(outbox, caplog):
    engine, write, _, another_engine = outbox
    service = f"fence{uuid.uuid4().hex[:6]}"
    leader = OutboxRelay(engine, service, RecordingPublisher())
    assert leader.leadership.try_acquire() is Standing.LEADER  # holds the lock, publishes nothing
    write(4)
    standby = OutboxRelay(
        another_engine(),
        service,
        RecordingPublisher(),
        standby_retry_seconds=0.05,
        stats_seconds=0.0,
    )
    caplog.set_level(logging.INFO, logger="crm_chassis.outbox.relay")
    thread = _run(standby)
    try:
        wait_until(
            lambda: REGISTRY.get_sample_value("outbox_pending_events", {"service": service}) == 4,
            message="the standby did not report the backlog",
        )
    finally:
        standby.stop()
        thread.join(10)
        leader.leadership.release()
    assert REGISTRY.get_sample_value("outbox_relay_leader", {"service": service}) == 0
    assert f"another relay of {service} is active" in caplog.text
    assert "unreachable" not in caplog.text


def test_an_unreachable_database_is_logged_as_such_not_as_another_relay(caplog):
    engine = make_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nowhere")
    relay = OutboxRelay(engine, "fenceu", RecordingPublisher(), standby_retry_seconds=0.05)
    caplog.set_level(logging.INFO, logger="crm_chassis.outbox.relay")
    thread = _run(relay)
    try:
        wait_until(lambda: "unreachable" in caplog.text, message="no unreachable message")
        assert not relay.health["database"]
    finally:
        relay.stop()
        thread.join(10)
        engine.dispose()
    assert "another relay" not in caplog.text


def test_leader_and_standby_are_not_ready_while_the_broker_is_down(outbox):
    # /healthz of a relay (relay.health) says "broker": False while the broker cannot be
    # reached, for the leader with nothing to publish and for a standby alike, and True again
    # by itself once it is back.
    from crm_chassis.outbox.publisher import ConfirmingPublisher
    from crm_testkit.messaging import BrokerLink

    engine, _, _, another_engine = outbox
    service = f"fence{uuid.uuid4().hex[:6]}"
    link = BrokerLink()
    relays = [
        OutboxRelay(
            each,
            service,
            ConfirmingPublisher(link.url, app_id="fence.test"),
            standby_retry_seconds=0.1,
            max_backoff_seconds=0.2,
        )
        for each in (engine, another_engine())
    ]
    threads = [_run(relay) for relay in relays]
    try:

        def broker_verdicts():
            return [relay.health["broker"] for relay in relays]

        wait_until(
            lambda: sum(r.leadership.is_leader for r in relays) == 1, 20, message="no relay leads"
        )
        wait_until(lambda: broker_verdicts() == [True, True], 20, message="broker not seen")
        link.cut()
        wait_until(
            lambda: broker_verdicts() == [False, False],
            20,
            message=f"a relay still says the broker is reachable: {broker_verdicts()}",
        )
        link.restore()
        wait_until(
            lambda: broker_verdicts() == [True, True],
            30,
            message=f"a relay did not see the broker back: {broker_verdicts()}",
        )
    finally:
        for relay in relays:
            relay.stop()
        for thread in threads:
            thread.join(10)
        link.close()
