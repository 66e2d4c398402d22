"""Tracing (crm_chassis.tracing): off by default at no cost; on, one trace from a request through
its transaction, its event's outbox row, the relay's publish and the consumer, each span the
child of the one before; gRPC client and server spans around a call."""

from __future__ import annotations

import subprocess
import sys
from functools import partial

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import context, events, tracing
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_chassis.grpc.server import start_server
from crm_chassis.messaging.handlers import handle_once
from crm_chassis.outbox.publisher import BatchResult
from crm_chassis.outbox.relay import OutboxRelay
from crm_chassis.settings import ServiceSettings
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit import echo
from crm_testkit.auth import TestKeys
from crm_testkit.messaging import ProducerUnitOfWork, producer_metadata

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing.configure(ServiceSettings.load("unitp", env={}), "test", exporter=exporter)

    def finished():
        tracing.flush()
        return {span.name: span for span in exporter.get_finished_spans()}

    yield finished
    tracing.shutdown()


@pytest.fixture
def bound_request():
    token = context.bind(
        context.RequestContext(
            request_id="req-1", trace_id=TRACE, traceparent=f"00-{TRACE}-{CALLER_SPAN}-01"
        )
    )
    yield
    context.reset(token)


class _Confirming:
    def __init__(self):
        self.published = []

    def publish_batch(self, messages):
        self.published.extend(messages)
        return BatchResult(confirmed=[m.id for m in messages])

    def idle(self, seconds, wakeup=None):
        pass

    def close(self):
        pass


def _span_id(span) -> str:
    return f"{span.context.span_id:016x}"


def _parent_id(span) -> str:
    return f"{span.parent.span_id:016x}" if span.parent is not None else ""


def test_off_by_default_no_sdk_imported_and_no_span():
    # A fresh interpreter: the chassis's hooks, loaded and configured without an endpoint,
    # import nothing of OpenTelemetry.
    code = (
        "import sys\n"
        "from crm_chassis import tracing\n"
        "import crm_chassis.grpc.interceptor, crm_chassis.grpc.client, crm_chassis.events\n"
        "import crm_chassis.outbox.relay, crm_chassis.messaging.handlers\n"
        "from crm_chassis.settings import ServiceSettings\n"
        "assert not tracing.configure(ServiceSettings.load('x', env={}), 'api')\n"
        "assert tracing.start('nothing') is None and not tracing.enabled()\n"
        "loaded = [m for m in sys.modules if m.startswith('opentelemetry')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_an_endpoint_turns_it_on():
    settings = ServiceSettings.load("x", env={"CRM_OTLP_ENDPOINT": "http://127.0.0.1:9/v1/traces"})
    assert settings.otlp_endpoint == "http://127.0.0.1:9/v1/traces"
    try:
        assert tracing.configure(settings, "api") and tracing.enabled()
    finally:
        tracing.shutdown()
    assert not tracing.enabled()


def test_a_consumer_has_a_span_id_of_its_own_even_when_off(tmp_path):
    message = SomethingHappened(seq=1)
    token = context.bind(context.RequestContext(traceparent=f"00-{TRACE}-{CALLER_SPAN}-01"))
    try:
        events.stamp(
            message,
            producer="unitp",
            event_type="something_happened",
            aggregate_type="thing",
            aggregate_id="a1",
            aggregate_version=1,
        )
    finally:
        context.reset(token)
    seen = []
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    metadata = producer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )
    handle_once("unitc.on_x", message, make_uow, lambda e, uow: seen.append(context.current()))
    engine.dispose()
    _, trace_id, span_id, flags = seen[0].traceparent.split("-")
    assert (trace_id, flags) == (TRACE, "01") and seen[0].trace_id == TRACE
    assert span_id != CALLER_SPAN and len(span_id) == 16


def test_request_transaction_event_relay_and_consumer_are_one_trace(tmp_path, spans, bound_request):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    metadata = producer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        ProducerUnitOfWork,
        make_session_factory(engine),
        service_name="unitp",
        outbox=metadata.tables["outbox"],
    )
    with make_uow() as uow:
        uow.emit(
            "something_happened",
            SomethingHappened(seq=1),
            aggregate_type="thing",
            aggregate_id="a1",
            aggregate_version=1,
        )
        uow.commit()
    publisher = _Confirming()
    OutboxRelay(engine, "unitp", publisher, batch_size=10).run_once()
    received = events.decode(publisher.published[0].body, SomethingHappened)
    consumer_uow = partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )
    inside = []
    handle_once("unitc.on_x", received, consumer_uow, lambda e, u: inside.append(context.current()))
    engine.dispose()

    found = spans()
    transaction = found["unitp transaction"]
    create = found["something_happened create"]
    publish = found["something_happened publish"]
    process = found["something_happened process"]
    consumer_transaction = found["unitc transaction"]
    assert {f"{s.context.trace_id:032x}" for s in found.values()} == {TRACE}
    assert _parent_id(transaction) == CALLER_SPAN and transaction.attributes["db.committed"]
    assert _parent_id(create) == _span_id(transaction) and create.kind == SpanKind.PRODUCER
    assert received.meta.trace.traceparent == f"00-{TRACE}-{_span_id(create)}-01"
    assert _parent_id(publish) == _span_id(create) and publish.kind == SpanKind.PRODUCER
    assert _parent_id(process) == _span_id(create) and process.kind == SpanKind.CONSUMER
    assert _parent_id(consumer_transaction) == _span_id(process)
    assert inside[0].traceparent == f"00-{TRACE}-{_span_id(consumer_transaction)}-01"
    assert process.status.status_code != StatusCode.ERROR


def test_a_failing_handler_marks_its_span_failed(tmp_path, spans, bound_request):
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    metadata = producer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )
    message = SomethingHappened(seq=1)
    events.stamp(
        message,
        producer="unitp",
        event_type="something_happened",
        aggregate_type="thing",
        aggregate_id="a1",
        aggregate_version=1,
    )

    def fail(event, uow):
        raise ValueError("no such thing")

    with pytest.raises(ValueError):
        handle_once("unitc.on_x", message, make_uow, fail)
    engine.dispose()
    process = spans()["something_happened process"]
    assert process.status.status_code == StatusCode.ERROR
    assert "no such thing" in process.status.description


def test_a_grpc_call_is_a_client_span_and_a_server_span_below_it(spans, bound_request):
    keys = TestKeys()
    settings = ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=4)
    running = start_server(
        settings, echo.register, service_names=[echo.ECHO_SERVICE], verifier=keys.verifier()
    )
    try:
        with make_channel(
            running.address, StaticTokenProvider(keys.token("svc-a", "service"))
        ) as channel:
            echo_pb2_grpc.EchoServiceStub(channel).Echo(echo_pb2.EchoRequest())
    finally:
        running.stop(0)
    found = spans()
    method = f"{echo.ECHO_SERVICE}/Echo"
    client, server = found[method], found[f"/{method}"]
    assert client.kind == SpanKind.CLIENT and server.kind == SpanKind.SERVER
    assert _parent_id(client) == CALLER_SPAN and _parent_id(server) == _span_id(client)
    assert f"{server.context.trace_id:032x}" == TRACE
    assert server.attributes["rpc.grpc.status_code"] == "OK"
    # Health probes are not traced.
    assert not [name for name in found if "grpc.health" in name]
