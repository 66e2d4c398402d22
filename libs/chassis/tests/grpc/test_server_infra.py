"""Server infrastructure: request ids, access log, metrics, health, reflection, graceful stop."""

from __future__ import annotations

import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_chassis import context
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings
from crm_testkit import echo


def test_request_id_from_caller_is_used_and_echoed(stub, bearer):
    response, call = stub.Echo.with_call(
        echo_pb2.EchoRequest(message="x"),
        metadata=bearer() + (("x-request-id", "req-from-caller-1"),),
    )
    assert response.request_id == "req-from-caller-1"
    assert dict(call.initial_metadata())["x-request-id"] == "req-from-caller-1"


def test_request_id_is_made_when_missing_or_unsafe(stub, bearer):
    for metadata in ((), (("x-request-id", "bad id with spaces"),)):
        response, call = stub.Echo.with_call(echo_pb2.EchoRequest(), metadata=bearer() + metadata)
        assert len(response.request_id) == 32
        assert dict(call.initial_metadata())["x-request-id"] == response.request_id


def test_access_log_line_per_call(stub, bearer, logs):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    stub.Echo(
        echo_pb2.EchoRequest(),
        metadata=bearer(subject_id="logged-user")
        + (("x-request-id", "req-logged"), ("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01")),
    )
    lines = [r for r in logs.records() if r.get("request_id") == "req-logged"]
    assert len(lines) == 1
    line = lines[0]
    assert line["event"] == "grpc_call" and line["logger"] == "crm.grpc.access"
    assert line["method"] == f"/{echo.ECHO_SERVICE}/Echo" and line["code"] == "OK"
    assert line["trace_id"] == trace_id and line["subject"] == "user:logged-user"
    assert line["service"] == "echo-test" and line["duration_ms"] >= 0
    assert line["timestamp"].endswith("Z")


def _metric(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_move(stub, bearer):
    labels = {"grpc_service": echo.ECHO_SERVICE, "grpc_method": "Echo"}
    before = (
        _metric("grpc_server_started_total", **labels),
        _metric("grpc_server_handled_total", grpc_code="OK", **labels),
        _metric("grpc_server_handled_total", grpc_code="UNAUTHENTICATED", **labels),
        _metric("grpc_server_handling_seconds_count", **labels),
    )
    stub.Echo(echo_pb2.EchoRequest(), metadata=bearer())
    with pytest.raises(grpc.RpcError):
        stub.Echo(echo_pb2.EchoRequest())
    after = (
        _metric("grpc_server_started_total", **labels),
        _metric("grpc_server_handled_total", grpc_code="OK", **labels),
        _metric("grpc_server_handled_total", grpc_code="UNAUTHENTICATED", **labels),
        _metric("grpc_server_handling_seconds_count", **labels),
    )
    assert [a - b for a, b in zip(after, before, strict=False)] == [2, 1, 1, 2]


def test_reflection_lists_the_services(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for r in responses for s in r.list_services_response.service}
    assert {
        echo.ECHO_SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names


def test_client_channel_adds_token_and_propagates_context(server, keys, logs):
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    bound = context.bind(
        context.RequestContext(
            request_id="req-propagated",
            trace_id=trace_id,
            traceparent=f"00-{trace_id}-b7ad6b7169203331-01",
        )
    )
    try:
        with make_channel(
            server.address, StaticTokenProvider(keys.token("svc-a", "service"))
        ) as channel:
            response = echo_pb2_grpc.EchoServiceStub(channel).Echo(echo_pb2.EchoRequest())
    finally:
        context.reset(bound)
    assert (response.subject_id, response.request_id) == ("svc-a", "req-propagated")
    line = [r for r in logs.records() if r.get("request_id") == "req-propagated"][-1]
    assert line["trace_id"] == trace_id and line["subject"] == "service:svc-a"


def test_health_serving_then_not_serving_on_stop(keys, logs):
    settings = ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=4)
    stopped = threading.Event()
    running = start_server(
        settings,
        echo.register,
        service_names=[echo.ECHO_SERVICE],
        verifier=keys.verifier(),
        on_stop=stopped.set,
    )
    try:
        with grpc.insecure_channel(running.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in (echo.ECHO_SERVICE, ""):
                status = health.Check(health_pb2.HealthCheckRequest(service=service)).status
                assert status == health_pb2.HealthCheckResponse.SERVING
            watch = health.Watch(health_pb2.HealthCheckRequest(service=echo.ECHO_SERVICE))
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            stopper = threading.Thread(target=running.stop, kwargs={"grace": 0.5})
            stopper.start()
            # The Watch stream is in flight, so it sees the status flip before the server goes.
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            stopper.join()
    finally:
        running.stop(0)
    assert stopped.is_set() and running.wait(0)


def test_health_probes_are_public_counted_and_not_logged(channel, logs):
    labels = {"grpc_service": "grpc.health.v1.Health", "grpc_method": "Check", "grpc_code": "OK"}
    before = _metric("grpc_server_handled_total", **labels)
    lines_before = len(logs.records())
    health = health_pb2_grpc.HealthStub(channel)
    assert (
        health.Check(health_pb2.HealthCheckRequest(service="")).status
        == health_pb2.HealthCheckResponse.SERVING
    )  # no token needed
    assert _metric("grpc_server_handled_total", **labels) == before + 1
    assert not [r for r in logs.records()[lines_before:] if r["event"] == "grpc_call"]


def test_metrics_endpoint_serves_the_grpc_metrics(keys):
    import urllib.request

    from crm_chassis import metrics as metrics_module
    from crm_testkit import free_port

    port = free_port()
    settings = ServiceSettings.load("echo", env={}, grpc_port=0, metrics_port=port)
    running = start_server(
        settings,
        echo.register,
        service_names=[echo.ECHO_SERVICE],
        verifier=keys.verifier(),
        access_log=False,
    )
    try:
        with grpc.insecure_channel(running.address) as channel:  # at least one call observed
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
        assert "grpc_server_handling_seconds_bucket" in body and 'le="0.0001"' in body
    finally:
        running.stop(0)
        metrics_module.stop_metrics_server(port)
        assert port not in metrics_module._started


def test_a_polled_method_is_logged_only_when_it_fails(keys, logs, monkeypatch, bearer):
    """The signing-key poll of every verifier would drown the access log: a polled method's
    successful calls are counted, not logged; a failing one is still logged."""
    from crm_chassis.grpc import interceptor

    monkeypatch.setattr(
        interceptor,
        "POLLED_METHODS",
        frozenset({f"/{echo.ECHO_SERVICE}/Echo", f"/{echo.ECHO_SERVICE}/Fail"}),
    )
    settings = ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=2)
    running = start_server(
        settings, echo.register, service_names=[echo.ECHO_SERVICE], verifier=keys.verifier()
    )
    try:
        with grpc.insecure_channel(running.address) as channel:
            polled = echo_pb2_grpc.EchoServiceStub(channel)
            polled.Echo(echo_pb2.EchoRequest(), metadata=bearer() + (("x-request-id", "poll-ok"),))
            with pytest.raises(grpc.RpcError):
                polled.Fail(
                    echo_pb2.FailRequest(error="NotFound", message="no such thing"),
                    metadata=bearer() + (("x-request-id", "poll-failed"),),
                )
    finally:
        running.stop(0)
    logged = {r.get("request_id") for r in logs.records() if r["event"] == "grpc_call"}
    assert "poll-ok" not in logged and "poll-failed" in logged
