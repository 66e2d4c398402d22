"""The chain on client-streaming and bidi RPCs (bytes handlers, no proto), the actor binding and
the client channel's retry of UNAVAILABLE."""

from __future__ import annotations

import grpc
import pytest

from crm_chassis import context
from crm_chassis.errors import NotFound
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings

SERVICE = "crm.testing.v1.BytesService"


class BytesService:
    def __init__(self):
        self.flaky_calls = 0

    def collect(self, request_iterator, _context):  # stream -> unary
        items = [item for item in request_iterator]
        if b"missing" in items:
            raise NotFound("item 'missing' does not exist", field="items")
        actor = context.current().actor
        return b",".join(items) + f"|{actor.kind}:{actor.id}".encode()

    def chat(self, request_iterator, _context):  # stream -> stream
        for item in request_iterator:
            if item == b"boom":
                raise RuntimeError("hidden detail")
            yield item.upper()

    def flaky(self, request, grpc_context):  # unary: UNAVAILABLE once, then OK
        self.flaky_calls += 1
        if self.flaky_calls == 1:
            grpc_context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        return request

    def register(self, server):
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    SERVICE,
                    {
                        "Collect": grpc.stream_unary_rpc_method_handler(self.collect),
                        "Chat": grpc.stream_stream_rpc_method_handler(self.chat),
                        "Flaky": grpc.unary_unary_rpc_method_handler(self.flaky),
                    },
                ),
            )
        )


@pytest.fixture(scope="module")
def bytes_server(keys, logs):
    service = BytesService()
    settings = ServiceSettings.load("bytes", env={}, grpc_port=0, grpc_max_workers=4)
    running = start_server(settings, service.register, service_names=[], verifier=keys.verifier())
    running.service = service
    yield running
    running.stop(0)


@pytest.fixture(scope="module")
def authed_channel(bytes_server, keys):
    token = keys.token("svc-reporting", "service")
    with make_channel(bytes_server.address, StaticTokenProvider(token)) as channel:
        yield channel


def test_stream_unary_authenticated_with_actor_bound(authed_channel):
    collect = authed_channel.stream_unary(f"/{SERVICE}/Collect")
    assert collect(iter([b"a", b"b"])) == b"a,b|service:svc-reporting"


def test_stream_unary_error_mapping(authed_channel):
    with pytest.raises(grpc.RpcError) as info:
        authed_channel.stream_unary(f"/{SERVICE}/Collect")(iter([b"missing"]))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert dict(info.value.trailing_metadata())["x-error-field"] == "items"


def test_stream_stream_and_its_internal_error(authed_channel):
    chat = authed_channel.stream_stream(f"/{SERVICE}/Chat")
    assert list(chat(iter([b"x", b"y"]))) == [b"X", b"Y"]
    with pytest.raises(grpc.RpcError) as info:
        list(chat(iter([b"x", b"boom"])))
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert "hidden" not in info.value.details()


def test_streaming_requests_need_a_token(bytes_server):
    with grpc.insecure_channel(bytes_server.address) as channel:
        for call in (
            channel.stream_unary(f"/{SERVICE}/Collect"),
            channel.stream_stream(f"/{SERVICE}/Chat"),
        ):
            with pytest.raises(grpc.RpcError) as info:
                result = call(iter([b"a"]))
                list(result) if not isinstance(result, bytes) else None
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_channel_retries_unavailable(bytes_server, authed_channel):
    bytes_server.service.flaky_calls = 0
    assert authed_channel.unary_unary(f"/{SERVICE}/Flaky")(b"ping") == b"ping"
    assert bytes_server.service.flaky_calls == 2  # UNAVAILABLE once, retried by the channel


def test_handler_abort_code_is_kept_without_retry(bytes_server, keys):
    bytes_server.service.flaky_calls = 0
    with grpc.insecure_channel(bytes_server.address) as plain:  # no retry policy
        with pytest.raises(grpc.RpcError) as info:
            plain.unary_unary(f"/{SERVICE}/Flaky")(
                b"p", metadata=(("authorization", f"Bearer {keys.token()}"),)
            )
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert info.value.details() == "warming up"
