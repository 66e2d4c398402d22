"""Deadlines propagate across service calls through the chassis client: a call served with a
deadline calls downstream with at most the time it has left (even when the caller's adapter asks
for a longer timeout), and once that time is spent the downstream call is not sent at all."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from crm_chassis import context
from crm_chassis.grpc import MethodLimits
from crm_chassis.grpc.client import DeadlinePassed, StaticTokenProvider, make_channel
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings

SERVICE = "crm.testing.v1.DeadlineService"
ADAPTER_TIMEOUT = 30.0  # what a service's adapter asks for (e.g. deals -> catalog PriceQuote)
WAIT = 20.0


def _server(keys, handlers: dict, method_limits=None):
    config = ServiceSettings.load("deadlines", env={}, grpc_port=0, grpc_max_workers=4)

    def register(server):
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    SERVICE,
                    {
                        name: grpc.unary_unary_rpc_method_handler(fn)
                        for name, fn in handlers.items()
                    },
                ),
            )
        )

    return start_server(
        config,
        register,
        service_names=[SERVICE],
        verifier=keys.verifier(),
        access_log=False,
        method_limits=method_limits,
    )


class Downstream:
    """The called service: records the time each call had left when it arrived."""

    def __init__(self):
        self.time_left: list[float] = []

    def probe(self, request, ctx):
        self.time_left.append(ctx.time_remaining())
        return b"priced"


class Upstream:
    """The calling service: waits ``request`` milliseconds, then calls downstream the way an
    adapter does (its own long timeout), recording what it had left and what came of it."""

    def __init__(self, downstream_address: str, token: str):
        self.channel = make_channel(downstream_address, StaticTokenProvider(token))
        self.left_before_call: list[float] = []
        self.outcomes: list = []
        self.done = threading.Event()

    def forward(self, request, ctx):
        try:
            time.sleep(int(request or b"0") / 1000)
            self.left_before_call.append(ctx.time_remaining())
            try:
                answer = self.channel.unary_unary(f"/{SERVICE}/Probe")(b"", timeout=ADAPTER_TIMEOUT)
                self.outcomes.append(answer)
            except grpc.RpcError as exc:
                self.outcomes.append(exc)
            return b"done"
        finally:
            self.done.set()


@pytest.fixture
def services(keys):
    downstream = Downstream()
    lower = _server(keys, {"Probe": downstream.probe})
    upstream = Upstream(lower.address, keys.token())
    upper = _server(keys, {"Forward": upstream.forward})
    try:
        yield upper, upstream, downstream
    finally:
        upstream.channel.close()
        upper.stop(0)
        lower.stop(0)


def _call(upper, keys, delay_ms: int, timeout: float):
    with grpc.insecure_channel(upper.address) as channel:
        return channel.unary_unary(f"/{SERVICE}/Forward")(
            str(delay_ms).encode(),
            timeout=timeout,
            metadata=(("authorization", f"Bearer {keys.token()}"),),
        )


def test_the_downstream_call_gets_at_most_the_time_left(services, keys):
    upper, upstream, downstream = services
    assert _call(upper, keys, 50, timeout=0.2) == b"done"
    assert upstream.outcomes == [b"priced"]
    (left,) = upstream.left_before_call
    (seen,) = downstream.time_left
    assert left < 0.2
    assert 0 < seen <= left  # not the adapter's 30 s


def test_an_expired_deadline_is_not_sent_downstream(services, keys):
    upper, upstream, downstream = services
    with pytest.raises(grpc.RpcError) as caller:
        _call(upper, keys, 300, timeout=0.2)  # upstream works past its 200 ms
    assert caller.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert upstream.done.wait(WAIT)
    (outcome,) = upstream.outcomes
    assert isinstance(outcome, DeadlinePassed)
    assert outcome.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "deadline of the call being served has passed" in outcome.details()
    assert downstream.time_left == []  # never called


def test_outside_a_served_call_the_callers_timeout_stands(services, keys):
    # A worker's handler or a CLI has no call being served: its own timeout applies.
    _, upstream, downstream = services
    assert context.peek() is None
    answer = upstream.channel.unary_unary(f"/{SERVICE}/Probe")(b"", timeout=ADAPTER_TIMEOUT)
    assert answer == b"priced"
    assert downstream.time_left[-1] > 20


def test_the_servers_own_budget_caps_downstream_calls_too(keys):
    # The caller sends no deadline; the upstream method's server-side budget (200 ms) is the
    # call's deadline. Spent before the downstream call, that call is not sent, and the
    # uncaught refusal answers DEADLINE_EXCEEDED saying so (not INTERNAL).
    downstream = Downstream()
    lower = _server(keys, {"Probe": downstream.probe})
    channel = make_channel(lower.address, StaticTokenProvider(keys.token()))

    def forward_uncaught(request, ctx):
        time.sleep(0.3)
        return channel.unary_unary(f"/{SERVICE}/Probe")(b"", timeout=ADAPTER_TIMEOUT)

    upper = _server(
        keys, {"Forward": forward_uncaught}, MethodLimits(deadlines={f"/{SERVICE}/Forward": 0.2})
    )
    try:
        with pytest.raises(grpc.RpcError) as caller:
            _call(upper, keys, 0, timeout=WAIT)
        assert caller.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "deadline of the call being served has passed" in caller.value.details()
        assert downstream.time_left == []
    finally:
        channel.close()
        upper.stop(0)
        lower.stop(0)
