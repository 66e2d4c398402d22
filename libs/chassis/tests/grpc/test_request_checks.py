"""The chassis checks every request's text and times before the handler sees it
(crm_chassis.grpc.limits.RequestChecks): no U+0000 in a string, every Timestamp and Duration
within its type's range; each refusal is INVALID_ARGUMENT naming the field path."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from crm.testing.v1 import echo_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.grpc.limits import RequestChecks

FIRST_SECOND = -62_135_596_800  # 0001-01-01T00:00:00Z
LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z


def _refusal(stub, bearer, **request_kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        stub.Echo(echo_pb2.EchoRequest(**request_kwargs), metadata=bearer())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return info.value


@pytest.mark.parametrize(
    "request_kwargs, path",
    [
        (dict(message="a\x00b"), "message"),
        (dict(tags=["ok", "\x00"]), "tags[1]"),
        (dict(items=[echo_pb2.EchoItem(values=["v\x00"])]), "items[0].values[0]"),
        (dict(labels={"k": "\x00"}), "labels[k]"),
        (dict(filter=echo_pb2.EchoItem(values=["\x00"])), "filter.values[0]"),
    ],
)
def test_a_nul_character_in_a_string_answers_invalid_argument_naming_it(
    stub, bearer, request_kwargs, path
):
    error = _refusal(stub, bearer, **request_kwargs)
    assert error.details().startswith(f"{path} contains a NUL character (U+0000)")
    assert dict(error.trailing_metadata())["x-error-field"] == path


def test_a_nul_character_in_a_map_key_is_refused_without_echoing_the_key(stub, bearer):
    error = _refusal(stub, bearer, labels={"k\x00": "v"})
    assert error.details().startswith("a key of labels contains a NUL character")


@pytest.mark.parametrize(
    "at, says",
    [
        (Timestamp(seconds=0, nanos=1_000_000_000), "nanos must be between 0 and 999,999,999"),
        (Timestamp(seconds=0, nanos=-1), "nanos must be between 0 and 999,999,999"),
        (Timestamp(seconds=LAST_SECOND + 1), "between 0001-01-01 and 9999-12-31 UTC"),
        (Timestamp(seconds=FIRST_SECOND - 1), "between 0001-01-01 and 9999-12-31 UTC"),
    ],
)
def test_a_timestamp_outside_its_range_answers_invalid_argument(stub, bearer, at, says):
    error = _refusal(stub, bearer, at=at)
    assert error.details().startswith("at is not a valid timestamp: ")
    assert says in error.details()
    assert dict(error.trailing_metadata())["x-error-field"] == "at"


@pytest.mark.parametrize(
    "wait, says",
    [
        (Duration(seconds=1, nanos=1_000_000_000), "nanos must be between"),
        (Duration(seconds=1, nanos=-5), "the same sign"),
        (Duration(seconds=315_576_000_001), "10,000 years"),
    ],
)
def test_a_duration_outside_its_range_answers_invalid_argument(stub, bearer, wait, says):
    error = _refusal(stub, bearer, waits=[Duration(seconds=1), wait])
    assert error.details().startswith("waits[1] is not a valid duration: ")
    assert says in error.details()


def test_text_and_times_at_the_edges_of_their_range_pass(stub, bearer):
    request = echo_pb2.EchoRequest(
        message="tab\tnewline\n\u00e9\U0001f600",
        tags=["\x01"],
        labels={"k": "v"},
        at=Timestamp(seconds=LAST_SECOND, nanos=999_999_999),
        waits=[Duration(seconds=-1, nanos=-999_999_999), Duration(seconds=315_576_000_000)],
    )
    assert stub.Echo(request, metadata=bearer()).message == request.message
    first = echo_pb2.EchoRequest(message="m", at=Timestamp(seconds=FIRST_SECOND))
    assert stub.Echo(first, metadata=bearer()).message == "m"


def test_each_message_of_a_client_stream_is_checked(stub, bearer):
    rows = [echo_pb2.EchoRequest(message="ok"), echo_pb2.EchoRequest(message="\x00")]
    with pytest.raises(grpc.RpcError) as info:
        stub.CountStream(iter(rows), metadata=bearer())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "message contains a NUL character" in info.value.details()


def test_only_fields_that_can_hold_text_lists_or_times_are_planned():
    checks = RequestChecks(1000, {})
    assert checks.checker(Duration.DESCRIPTOR) is None  # numbers only: nothing to do
    planned = {f.name for f in checks._plan(echo_pb2.EchoRequest.DESCRIPTOR)}
    assert planned == {"message", "fail_with", "tags", "items", "labels", "filter", "at", "waits"}
    with pytest.raises(InvalidArgument):
        checks.checker(echo_pb2.EchoItem.DESCRIPTOR)(echo_pb2.EchoItem(values=["\x00"]))
