"""The idempotent handler's transaction, topology arguments and the manifest contract (no broker)."""

from __future__ import annotations

import types
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import context, events
from crm_chassis.context import Actor
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.manifest import ServiceManifest, Subscription
from crm_chassis.messaging.contract import assert_manifest_matches_worker
from crm_chassis.messaging.handlers import handle_once, idempotent_event_handler
from crm_chassis.messaging.topology import delivery_limit, plan, queue_arguments
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit.messaging import consumer_metadata


class ConsumerUow(SqlAlchemyUnitOfWork):
    def _open_repositories(self, session):
        self.received = self._outbox_table.metadata.tables["received"]


@pytest.fixture
def consumer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'consumer.db'}")
    metadata = consumer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        ConsumerUow,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )

    def count(table):
        with engine.connect() as conn:
            return len(conn.execute(select(metadata.tables[table])).all())

    yield make_uow, count
    engine.dispose()


def _event(name="x") -> SomethingHappened:
    message = SomethingHappened(name=name, seq=1)
    events.stamp(
        message,
        producer="unitp",
        event_type="something_happened",
        aggregate_type="thing",
        aggregate_id="a1",
        aggregate_version=1,
        actor=Actor("u-7", "user", "Ada"),
    )
    return events.decode(events.encode(message), SomethingHappened)  # as received


def _record(event, uow, seen_actors=None):
    if seen_actors is not None:
        seen_actors.append(context.current().actor)
    uow.session.execute(
        insert(uow.received).values(
            event_id=event.meta.event_id,
            aggregate_id=event.meta.aggregate_id,
            aggregate_version=event.meta.aggregate_version,
            seq=event.seq,
            name=event.name,
        )
    )


def test_an_event_takes_effect_once_and_its_redelivery_is_skipped(consumer):
    make_uow, count = consumer
    event, actors = _event(), []
    assert handle_once("unitc.on_x", event, make_uow, partial(_record, seen_actors=actors))
    assert not handle_once("unitc.on_x", event, make_uow, partial(_record, seen_actors=actors))
    assert count("received") == 1 and count("inbox") == 1
    assert actors == [Actor("u-7", "user", "Ada")]  # context bound from meta.actor
    assert context.current().actor is None  # and unbound afterwards
    # Another consumer of the same event has its own inbox entry.
    assert handle_once("unitc.on_y", event, make_uow, lambda e, uow: None)
    assert count("inbox") == 2


def test_a_failing_handler_leaves_no_trace_so_the_retry_runs_it_again(consumer):
    make_uow, count = consumer
    event = _event()

    def fail(event, uow):
        _record(event, uow)
        raise RuntimeError("downstream unavailable")

    with pytest.raises(RuntimeError):
        handle_once("unitc.on_x", event, make_uow, fail)
    assert count("received") == 0 and count("inbox") == 0
    assert handle_once("unitc.on_x", event, make_uow, _record)
    assert count("received") == 1


def test_queue_arguments_match_the_dead_letter_design():
    assert queue_arguments("evt-a-b--c.d", 5) == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 4,
        "x-dead-letter-exchange": "c.dlx",
        "x-dead-letter-routing-key": "evt-a-b--c.d",
    }
    assert delivery_limit(1) == 0
    sub = Subscription(
        source="identity", event="user_created", consumer="leads", method="on_user_created"
    )
    manifest = ServiceManifest(
        name="leads", package="crm_leads", grpc_port=1, root=Path("."), subscriptions=(sub,)
    )
    topology = plan([manifest], 5)
    assert topology.exchanges == ("leads.events",)  # identity's part declares identity's
    assert topology.dead_letter_exchanges == ("leads.dlx",)
    assert topology.dead_letter_queues == ("evt-identity-user_created--leads.on_user_created.dlq",)


def _worker_module(method_name: str) -> types.ModuleType:
    module = types.ModuleType("fake_worker")

    def handler(self, event, uow):
        pass

    handler.__name__ = method_name
    service = type(
        "LeadsWorker",
        (),
        {
            "name": "leads",
            "__module__": "fake_worker",
            method_name: idempotent_event_handler("identity", "user_created", SomethingHappened)(
                handler
            ),
        },
    )
    module.LeadsWorker = service
    return module


def test_manifest_contract_check():
    sub = Subscription(
        source="identity", event="user_created", consumer="leads", method="on_user_created"
    )
    manifest = ServiceManifest(
        name="leads", package="crm_leads", grpc_port=1, root=Path("."), subscriptions=(sub,)
    )
    assert_manifest_matches_worker(manifest, _worker_module("on_user_created"))
    with pytest.raises(AssertionError, match="on_user_created_v2"):
        assert_manifest_matches_worker(manifest, _worker_module("on_user_created_v2"))


@pytest.mark.integration
def test_a_concurrent_duplicate_counts_as_a_duplicate_not_a_failure():
    """Two deliveries of one event at once (e.g. two replicas after a requeue): the second
    waits on the first's inbox row and, once it commits, is skipped."""
    import threading

    from crm_testkit import temporary_postgres_database, wait_until

    with temporary_postgres_database("dup") as url:
        engine = make_engine(url)
        metadata = consumer_metadata()
        metadata.create_all(engine)
        make_uow = partial(
            ConsumerUow,
            make_session_factory(engine),
            service_name="unitc",
            outbox=metadata.tables["outbox"],
        )
        event, inside, release, outcomes = _event(), threading.Event(), threading.Event(), {}

        def slow(event, uow):
            _record(event, uow)
            inside.set()
            release.wait(10)

        first = threading.Thread(
            target=lambda: outcomes.setdefault(
                "first", handle_once("unitc.on_x", event, make_uow, slow)
            )
        )
        second = threading.Thread(
            target=lambda: outcomes.setdefault(
                "second", handle_once("unitc.on_x", event, make_uow, _record)
            )
        )
        first.start()
        assert inside.wait(10)
        second.start()  # blocks on the uncommitted inbox row of the first

        def someone_waits_on_a_lock():
            # A fresh transaction per poll: pg_stat_activity is frozen within one transaction.
            with engine.connect() as conn:
                return conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                ).scalar()

        wait_until(
            someone_waits_on_a_lock,
            10,
            message="the second delivery never waited on the first's inbox row",
        )
        release.set()
        first.join(10)
        second.join(10)
        with engine.connect() as conn:
            rows = conn.execute(select(metadata.tables["received"])).all()
        engine.dispose()
    assert outcomes == {"first": True, "second": False}
    assert len(rows) == 1
