"""Error mapping at the gRPC edge (unary and streaming): code, message, trailers, no tracebacks."""

from __future__ import annotations

import grpc
import pytest

from crm.testing.v1 import echo_pb2

CASES = [
    ("InvalidArgument", grpc.StatusCode.INVALID_ARGUMENT),
    ("NotFound", grpc.StatusCode.NOT_FOUND),
    ("AlreadyExists", grpc.StatusCode.ALREADY_EXISTS),
    ("PermissionDenied", grpc.StatusCode.PERMISSION_DENIED),
    ("Unauthenticated", grpc.StatusCode.UNAUTHENTICATED),
    ("FailedPrecondition", grpc.StatusCode.FAILED_PRECONDITION),
    ("Unavailable", grpc.StatusCode.UNAVAILABLE),
    ("ValidationErrors", grpc.StatusCode.INVALID_ARGUMENT),
]


def _fail(stub, **fields) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        stub.Fail(echo_pb2.FailRequest(**fields))
    return info.value


@pytest.mark.parametrize("name,code", CASES)
def test_crm_error_becomes_its_status_with_its_message(stub, name, code):
    error = _fail(stub, error=name, message="the amount must be positive", field="amount")
    assert error.code() == code
    assert "the amount must be positive" in error.details()
    trailers = dict(error.trailing_metadata())
    assert trailers["x-error-field"] == "amount" and len(trailers["x-request-id"]) == 32


def test_no_field_no_field_trailer(stub):
    error = _fail(stub, error="NotFound", message="no such lead")
    assert error.details() == "no such lead"
    assert "x-error-field" not in dict(error.trailing_metadata())


def test_resource_exhausted_carries_retry_after(stub):
    error = _fail(
        stub, error="ResourceExhausted", message="too many login attempts", retry_after_seconds=42
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details() == "too many login attempts"
    assert dict(error.trailing_metadata())["retry-after"] == "42"


@pytest.mark.parametrize(
    "name, code, says",
    [
        ("DatabaseDown", grpc.StatusCode.UNAVAILABLE, "database is unreachable right now"),
        ("DatabasePoolExhausted", grpc.StatusCode.RESOURCE_EXHAUSTED, "the service is overloaded"),
        ("DatabaseDeadlock", grpc.StatusCode.ABORTED, "a concurrent change got in first"),
        (
            "DatabaseValueTooLong",
            grpc.StatusCode.INVALID_ARGUMENT,
            "a value is longer than its field allows",
        ),
    ],
)
def test_database_failures_are_clear_statuses_not_internal(stub, logs, name, code, says):
    error = _fail(stub, error=name, message="could not connect to server: password=hunter2")
    assert error.code() == code and says in error.details()
    assert "hunter2" not in error.details()
    request_id = dict(error.trailing_metadata())["x-request-id"]
    logged = [r for r in logs.records() if r.get("request_id") == request_id]
    assert [r["event"] for r in logged if r["level"] == "warning"] == ["database failure in RPC"]
    assert not [r for r in logged if r["event"] == "unhandled exception in RPC"]


def test_unexpected_exception_is_internal_without_traceback(stub, logs):
    error = _fail(stub, error="RuntimeError", message="secret-db-password in a stack frame")
    assert error.code() == grpc.StatusCode.INTERNAL
    request_id = dict(error.trailing_metadata())["x-request-id"]
    assert error.details().startswith(f"internal error (request id {request_id})")
    assert "secret" not in error.details() and "Traceback" not in error.details()
    logged = [
        r
        for r in logs.records()
        if r.get("request_id") == request_id and r["event"] == "unhandled exception in RPC"
    ]
    assert len(logged) == 1 and "RuntimeError: secret-db-password" in logged[0]["exception"]


def test_stream_delivers_every_message(stub, bearer):
    responses = list(
        stub.EchoStream(
            echo_pb2.EchoRequest(message="m", repeat=3), metadata=bearer(subject_id="streamer")
        )
    )
    assert [(r.message, r.subject_id) for r in responses] == [("m", "streamer")] * 3


def test_stream_error_after_messages_keeps_its_code(stub, bearer):
    call = stub.EchoStream(
        echo_pb2.EchoRequest(message="gone", repeat=2, fail_with="NotFound"), metadata=bearer()
    )
    received = []
    with pytest.raises(grpc.RpcError) as info:
        for response in call:
            received.append(response.message)
    assert received == ["gone", "gone"]
    assert info.value.code() == grpc.StatusCode.NOT_FOUND and info.value.details() == "gone"


def test_stream_unexpected_exception_is_internal(stub, bearer):
    with pytest.raises(grpc.RpcError) as info:
        list(
            stub.EchoStream(
                echo_pb2.EchoRequest(message="boom", repeat=1, fail_with="RuntimeError"),
                metadata=bearer(),
            )
        )
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert "boom" not in info.value.details() and "internal error" in info.value.details()


def test_stream_without_token_is_unauthenticated(stub):
    with pytest.raises(grpc.RpcError) as info:
        list(stub.EchoStream(echo_pb2.EchoRequest(message="m", repeat=1)))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("repeat", [0, 2])
def test_stream_echoes_request_id_in_headers(stub, bearer, repeat):
    call = stub.EchoStream(
        echo_pb2.EchoRequest(message="m", repeat=repeat),
        metadata=bearer() + (("x-request-id", f"stream-{repeat}"),),
    )
    assert len(list(call)) == repeat
    assert dict(call.initial_metadata())["x-request-id"] == f"stream-{repeat}"


def test_cancelled_stream_is_counted_as_cancelled(stub, bearer):
    from prometheus_client import REGISTRY

    from crm_testkit import wait_until
    from crm_testkit.echo import ECHO_SERVICE

    labels = {"grpc_service": ECHO_SERVICE, "grpc_method": "EchoStream", "grpc_code": "CANCELLED"}
    before = REGISTRY.get_sample_value("grpc_server_handled_total", labels) or 0.0
    call = stub.EchoStream(
        echo_pb2.EchoRequest(message="m" * 1000, repeat=100_000), metadata=bearer()
    )
    next(call)
    call.cancel()
    wait_until(
        lambda: (
            (REGISTRY.get_sample_value("grpc_server_handled_total", labels) or 0.0) == before + 1
        ),
        timeout=10,
        message="cancelled stream not recorded",
    )
