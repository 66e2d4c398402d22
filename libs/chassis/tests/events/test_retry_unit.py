"""Transient or poison (no broker): infrastructure failures are recognised as transient, the
event's own failures are not, and a batch failing on the infrastructure is not split."""

from __future__ import annotations

import random
from functools import partial

import grpc
import pytest
from sqlalchemy import exc as sa
from sqlalchemy import insert, select, text

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import events
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.batches import handle_batch
from crm_chassis.messaging.retry import backoff_seconds, is_transient
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit.messaging import consumer_metadata


class _PgError(Exception):
    def __init__(self, message, pgcode=None):
        super().__init__(message)
        self.pgcode = pgcode


def _operational(message, pgcode=None):
    return sa.OperationalError("SELECT 1", {}, _PgError(message, pgcode))


@pytest.mark.parametrize(
    "failure",
    [
        _operational("could not connect to server: Connection refused"),  # no SQLSTATE
        _operational("terminating connection due to administrator command", "57P01"),
        _operational("the database system is starting up", "57P03"),
        _operational("could not serialize access", "40001"),
        _operational("deadlock detected", "40P01"),
        _operational("canceling statement due to lock timeout", "55P03"),
        sa.OperationalError("SELECT 1", {}, Exception("database is locked")),  # SQLite busy
        sa.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
        ConnectionResetError("connection reset by peer"),
    ],
)
def test_infrastructure_failures_are_transient(failure):
    assert is_transient(failure)


class _Refused(grpc.RpcError):
    def code(self):
        return grpc.StatusCode.UNAVAILABLE


class _Declared(Exception):
    transient = True


@pytest.mark.parametrize(
    "failure",
    [
        RuntimeError("a domain rule refused the event"),
        ValueError("bad body"),
        sa.IntegrityError("INSERT", {}, _PgError("duplicate key", "23505")),
        sa.ProgrammingError("SELECT", {}, _PgError("relation does not exist", "42P01")),
        sa.OperationalError("SELECT", {}, Exception("no such table: leads")),  # SQLite schema
    ],
)
def test_the_events_own_failures_are_not(failure):
    assert not is_transient(failure)


def test_a_failure_raised_from_a_transient_one_and_declared_ones():
    try:
        try:
            raise _operational("server closed the connection unexpectedly")
        except sa.OperationalError as cause:
            raise LookupError("repository read failed") from cause
    except LookupError as wrapped:
        assert is_transient(wrapped)
    assert is_transient(_Refused()) and is_transient(_Declared())


def test_backoff_grows_jittered_and_capped():
    rng = random.Random(7)
    first = [backoff_seconds(1, rng=rng) for _ in range(50)]
    assert all(0.1 <= d <= 0.2 for d in first) and len(set(first)) > 40
    assert all(2.5 <= backoff_seconds(20, rng=rng) <= 5.0 for _ in range(50))


def test_a_batch_failing_on_the_infrastructure_is_raised_whole_not_split(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}")
    metadata = consumer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )
    calls = []

    def handler(batch, uow):
        calls.append(len(batch))
        if len(calls) == 1:
            uow.session.execute(text("SELECT 1"))
            raise _operational("server closed the connection unexpectedly")
        uow.session.execute(
            insert(metadata.tables["batched"]),
            [{"event_id": e.meta.event_id, "seq": e.seq, "batch_size": len(batch)} for e in batch],
        )

    batch = []
    for seq in range(3):
        message = SomethingHappened(name="ok", seq=seq)
        events.stamp(
            message,
            producer="unitp",
            event_type="something_happened",
            aggregate_type="thing",
            aggregate_id=f"a{seq}",
            aggregate_version=1,
        )
        batch.append(events.decode(events.encode(message), SomethingHappened))
    with pytest.raises(sa.OperationalError):
        handle_batch("c.on_batch", batch, make_uow, handler)
    assert calls == [3]  # not handled one by one
    assert handle_batch("c.on_batch", batch, make_uow, handler) == [None] * 3
    with engine.connect() as conn:
        assert len(conn.execute(select(metadata.tables["batched"])).all()) == 3
    engine.dispose()


def _held(consumer: str) -> float:
    from prometheus_client import REGISTRY

    return (
        REGISTRY.get_sample_value(
            "event_deliveries_held", {"consumer": consumer, "event_type": "e"}
        )
        or 0.0
    )


def test_a_handler_holds_a_transiently_failed_delivery_and_runs_it_again():
    """The entrypoint's retry: a transient failure is scheduled again after a backoff, the
    delivery counted as held meanwhile (the worker's truthful "waiting for the database");
    a poison failure is not held (it goes the redelivery way)."""
    import sys
    import types

    import eventlet

    from crm_chassis.messaging.handlers import IdempotentEventHandler

    handler = IdempotentEventHandler("p", "e", SomethingHappened)
    handler.container = types.SimpleNamespace(service_name="svc")
    handler.method_name = "on_e"
    reruns = []

    def exc_info_of(exc):
        try:
            raise exc
        except Exception:  # noqa: BLE001
            return sys.exc_info()

    outage = exc_info_of(_operational("could not connect to server: Connection refused"))
    assert handler._retry_later(outage, ["delivery"], lambda: reruns.append(1), 1, list)
    assert _held("svc.on_e") == 1 and reruns == []
    eventlet.sleep(0.3)  # longer than the first backoff (at most 0.2 s)
    assert reruns == [1] and _held("svc.on_e") == 0
    poison = exc_info_of(RuntimeError("a domain rule refused the event"))
    assert not handler._retry_later(poison, ["delivery"], lambda: reruns.append(2), 1, list)
    assert not handler._retry_later(None, ["delivery"], lambda: reruns.append(3), 1, list)
    eventlet.sleep(0.3)
    assert reruns == [1] and _held("svc.on_e") == 0


def _container_record(exc: BaseException):
    import logging
    import sys

    try:
        raise exc
    except type(exc):
        info = sys.exc_info()
    return logging.LogRecord(
        "nameko.containers",
        logging.ERROR,
        __file__,
        1,
        "error handling worker %s: %s",
        ("worker", exc),
        info,
    )


def test_nameko_error_for_a_held_delivery_is_dropped_and_every_other_kept():
    from crm_chassis.messaging.bootstrap import HeldFailureFilter

    held = HeldFailureFilter()
    assert not held.filter(_container_record(_operational("server closed the connection")))
    assert not held.filter(_container_record(_operational("could not serialize", "40001")))
    assert held.filter(_container_record(ValueError("a body of its own")))
    assert held.filter(_container_record(_operational("no such table: leads")))
