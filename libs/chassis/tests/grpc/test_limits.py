"""What one call may cost a server (crm_chassis.grpc.limits): concurrent calls and client streams,
idle streams, deadlines, list sizes and message size, on real servers and channels."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_chassis.grpc import MethodLimits
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings
from crm_testkit import echo

HOLD_SERVICE = "crm.testing.v1.HoldService"
WAIT = 20.0  # upper bound of every wait below: a hung test fails instead of hanging


class Holder:
    """A unary method that holds its thread until released (a slow call)."""

    def __init__(self):
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def hold(self, request, _context):
        self.entered.release()
        self.release.wait(WAIT)
        return request

    def register(self, server):
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    HOLD_SERVICE, {"Hold": grpc.unary_unary_rpc_method_handler(self.hold)}
                ),
            )
        )


def _server(keys, holder: Holder | None = None, method_limits=None, **settings):
    values = dict(grpc_port=0, grpc_max_workers=4)
    values.update(settings)
    config = ServiceSettings.load("limits", env={}, **values)

    def register(server):
        echo.register(server)
        if holder is not None:
            holder.register(server)

    return start_server(
        config,
        register,
        service_names=[echo.ECHO_SERVICE],
        verifier=keys.verifier(),
        access_log=False,
        method_limits=method_limits,
    )


@pytest.fixture
def auth(keys):
    return (("authorization", f"Bearer {keys.token()}"),)


class Silent:
    """A client request stream that sends ``first`` messages, then nothing until closed."""

    def __init__(self, first: int = 1):
        self.first = first
        self.closed = threading.Event()

    def __iter__(self):
        for _ in range(self.first):
            yield echo_pb2.EchoRequest(message="row")
        self.closed.wait(WAIT)


def _reader_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "grpc-stream-reader")


# ------------------------------------------------------------------ concurrency
def test_calls_over_the_maximum_answer_resource_exhausted_instead_of_queueing(keys, auth):
    holder = Holder()
    server = _server(keys, holder, grpc_max_workers=2, grpc_max_concurrent_rpcs=2)
    try:
        with grpc.insecure_channel(server.address) as channel:
            hold = channel.unary_unary(f"/{HOLD_SERVICE}/Hold")
            running = [hold.future(b"x", metadata=auth, timeout=WAIT) for _ in range(2)]
            for _ in running:
                assert holder.entered.acquire(timeout=WAIT)
            with pytest.raises(grpc.RpcError) as refused:
                echo_pb2_grpc.EchoServiceStub(channel).Echo(
                    echo_pb2.EchoRequest(message="one more"), metadata=auth, timeout=WAIT
                )
            holder.release.set()
            assert [call.result() for call in running] == [b"x", b"x"]
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        holder.release.set()
        server.stop(0)


def test_a_flood_over_the_limit_gets_ok_or_resource_exhausted_never_a_timeout(keys, auth):
    # Ten times the limit at once, from several connections: the calls within the limit run
    # (two on threads, two waiting for one), every other one is refused at once with
    # RESOURCE_EXHAUSTED and the limit named, none times out or finds the server gone, and the
    # server answers as before once the flood has passed.
    holder = Holder()
    server = _server(keys, holder, grpc_max_workers=2, grpc_max_concurrent_rpcs=4)
    channels = [grpc.insecure_channel(server.address) for _ in range(4)]
    try:
        calls = [
            channels[n % 4]
            .unary_unary(f"/{HOLD_SERVICE}/Hold")
            .future(b"x", metadata=auth, timeout=WAIT)
            for n in range(40)
        ]
        for _ in range(2):
            assert holder.entered.acquire(timeout=WAIT)
        finished = threading.Semaphore(0)
        for call in calls:
            call.add_done_callback(lambda _call: finished.release())
        for _ in range(40 - 4):  # the refusals come while the accepted calls are held
            assert finished.acquire(timeout=WAIT)
        holder.release.set()
        outcomes = [call.code() if call.exception() else "OK" for call in calls]
        assert set(outcomes) == {"OK", grpc.StatusCode.RESOURCE_EXHAUSTED}, outcomes
        assert 2 <= outcomes.count("OK") <= 4  # at most the limit ran; both threads did
        for call in calls:
            if call.exception():
                assert "concurrent rpc limit" in call.details().lower()
        answer = echo_pb2_grpc.EchoServiceStub(channels[0]).Echo(
            echo_pb2.EchoRequest(message="after the flood"), metadata=auth, timeout=WAIT
        )
        assert answer.message == "after the flood"
    finally:
        holder.release.set()
        for channel in channels:
            channel.close()
        server.stop(0)


def test_idle_streams_never_take_every_thread_a_unary_call_still_answers(keys, auth):
    # Four workers, four idle import streams: one stream is refused, a unary call answers.
    server = _server(keys, grpc_max_workers=4, grpc_stream_idle_seconds=WAIT)
    streams = [Silent() for _ in range(4)]
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            calls = [stub.CountStream.future(iter(s), metadata=auth, timeout=WAIT) for s in streams]
            refused = [c for c in calls if _wait_done(c, 5.0)]
            assert len(refused) == 1
            assert refused[0].code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "too many concurrent imports" in refused[0].details()
            assert "retry later" in refused[0].details()
            answer = stub.Echo(
                echo_pb2.EchoRequest(message="still here"), metadata=auth, timeout=WAIT
            )
            assert answer.message == "still here"
            for s in streams:
                s.closed.set()
            assert sorted(c.result().message for c in calls if c not in refused) == ["1"] * 3
    finally:
        for s in streams:
            s.closed.set()
        server.stop(0)


def _wait_done(call, seconds: float) -> bool:
    done = threading.Event()
    call.add_done_callback(lambda _c: done.set())
    return done.wait(seconds)


def test_an_idle_stream_is_ended_and_its_thread_and_slot_freed(keys, auth):
    server = _server(keys, grpc_max_workers=4, grpc_stream_idle_seconds=0.5)
    streams = [Silent() for _ in range(5)]
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            for batch in (streams[:3], streams[3:]):  # three slots; the second round reuses them
                calls = [
                    stub.CountStream.future(iter(s), metadata=auth, timeout=WAIT) for s in batch
                ]
                for call in calls:
                    with pytest.raises(grpc.RpcError):
                        call.result()
                    assert call.code() == grpc.StatusCode.DEADLINE_EXCEEDED
                    assert "no message on this stream for 0.5 s" in call.details()
            assert (
                stub.Echo(echo_pb2.EchoRequest(message="ok"), metadata=auth, timeout=WAIT).message
                == "ok"
            )
        deadline = time.monotonic() + WAIT
        while _reader_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _reader_threads() == 0  # the helpers ended with their calls
    finally:
        for s in streams:
            s.closed.set()
        server.stop(0)


def test_a_stream_that_keeps_sending_is_not_idle(keys, auth):
    server = _server(keys, grpc_stream_idle_seconds=5.0)
    try:
        with grpc.insecure_channel(server.address) as channel:
            rows = [echo_pb2.EchoRequest(message=str(i)) for i in range(50)]
            answer = echo_pb2_grpc.EchoServiceStub(channel).CountStream(
                iter(rows), metadata=auth, timeout=WAIT
            )
        assert answer.message == "50"
    finally:
        server.stop(0)


# ------------------------------------------------------------------ deadlines
def _time_remaining(stub, auth, **kwargs) -> float:
    return stub.Echo(
        echo_pb2.EchoRequest(report_time_remaining=True), metadata=auth, **kwargs
    ).time_remaining


def test_the_server_budget_is_the_deadline_when_the_client_sends_none_or_a_longer_one(keys, auth):
    server = _server(keys, grpc_unary_deadline_seconds=7.0)
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            assert 0 < _time_remaining(stub, auth) <= 7.0
            assert 0 < _time_remaining(stub, auth, timeout=600) <= 7.0
            assert 0 < _time_remaining(stub, auth, timeout=3) <= 3.5  # the client's, shorter
    finally:
        server.stop(0)


def test_a_service_sets_its_own_budget_per_method(keys, auth):
    server = _server(
        keys,
        grpc_unary_deadline_seconds=60.0,
        method_limits=MethodLimits(deadlines={echo.ECHO_METHOD: 2.0}),
    )
    try:
        with grpc.insecure_channel(server.address) as channel:
            assert 0 < _time_remaining(echo_pb2_grpc.EchoServiceStub(channel), auth) <= 2.0
    finally:
        server.stop(0)


def test_a_stream_past_its_budget_is_ended(keys, auth):
    server = _server(keys, grpc_stream_deadline_seconds=0.3, grpc_stream_idle_seconds=WAIT)
    silent = Silent()
    try:
        with grpc.insecure_channel(server.address) as channel:
            with pytest.raises(grpc.RpcError) as ended:
                echo_pb2_grpc.EchoServiceStub(channel).CountStream(
                    iter(silent), metadata=auth, timeout=WAIT
                )
        assert ended.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "ran out of time" in ended.value.details()
    finally:
        silent.closed.set()
        server.stop(0)


def test_client_channels_give_calls_without_a_deadline_a_default_one(keys, server):
    provider = StaticTokenProvider(keys.token())
    with make_channel(server.address, provider, unary_timeout_seconds=4.0) as channel:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        assert (
            0 < stub.Echo(echo_pb2.EchoRequest(report_time_remaining=True)).time_remaining <= 4.5
        )  # grpc rounds the client's deadline: a few ms either way
    with make_channel(server.address, provider) as channel:  # the platform's default
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        assert (
            0 < stub.Echo(echo_pb2.EchoRequest(report_time_remaining=True)).time_remaining <= 30.5
        )


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize(
    "request_kwargs, path",
    [
        (dict(tags=["t"] * 1001), "tags"),
        (
            dict(items=[echo_pb2.EchoItem(), echo_pb2.EchoItem(values=["v"] * 1001)]),
            "items[1].values",
        ),
        (dict(labels={str(i): "x" for i in range(1001)}), "labels"),
        (dict(filter=echo_pb2.EchoItem(values=["v"] * 1001)), "filter.values"),
    ],
)
def test_a_list_over_the_bound_answers_invalid_argument_naming_it(
    stub, bearer, request_kwargs, path
):
    with pytest.raises(grpc.RpcError) as info:
        stub.Echo(echo_pb2.EchoRequest(**request_kwargs), metadata=bearer())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details().startswith(f"{path} has 1001 items; at most 1000 are accepted")
    assert dict(info.value.trailing_metadata())["x-error-field"] == path


def test_lists_at_the_bound_pass(stub, bearer):
    request = echo_pb2.EchoRequest(
        message="m", tags=["t"] * 1000, items=[echo_pb2.EchoItem(values=["v"] * 1000)] * 3
    )
    assert stub.Echo(request, metadata=bearer()).message == "m"


def test_each_message_of_a_client_stream_is_bounded(stub, bearer):
    rows = [echo_pb2.EchoRequest(tags=["t"]), echo_pb2.EchoRequest(tags=["t"] * 1001)]
    with pytest.raises(grpc.RpcError) as info:
        stub.CountStream(iter(rows), metadata=bearer())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "tags has 1001 items" in info.value.details()


def test_a_service_allows_a_larger_batch_for_a_named_field(keys, auth):
    server = _server(
        keys, method_limits=MethodLimits(list_sizes={"crm.testing.v1.EchoRequest.tags": 5000})
    )
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            assert (
                stub.Echo(
                    echo_pb2.EchoRequest(message="big", tags=["t"] * 5000), metadata=auth
                ).message
                == "big"
            )
            with pytest.raises(grpc.RpcError) as info:  # other fields keep the common bound
                stub.Echo(echo_pb2.EchoRequest(items=[echo_pb2.EchoItem()] * 1001), metadata=auth)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        server.stop(0)


def test_a_request_over_the_maximum_message_size_is_refused(keys, auth):
    server = _server(keys, grpc_max_message_bytes=1024)
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            assert stub.Echo(echo_pb2.EchoRequest(message="x" * 900), metadata=auth).message
            with pytest.raises(grpc.RpcError) as info:
                stub.Echo(echo_pb2.EchoRequest(message="x" * 2000), metadata=auth)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        server.stop(0)
