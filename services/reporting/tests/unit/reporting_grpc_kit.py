"""A real chassis gRPC server on 127.0.0.1 serving SalesReportsService over the fake world
(reporting_fakes.World), and a client calling it as the world's people with signed tokens."""

from __future__ import annotations

import grpc
import pytest

import crm_reporting.entrypoints.api
from crm.reporting.v1 import reports_pb2_grpc
from crm_reporting.entrypoints.settings import load
from crm_testkit.auth import TestKeys

TOKEN_CLAIMS = {"root": {"roles": ["admin"]}, "ceo": {"departments": ["management"]}}


class Api:
    def __init__(self, channel: grpc.Channel, keys: TestKeys) -> None:
        self.keys = keys
        self.reports = reports_pb2_grpc.SalesReportsServiceStub(channel)
        self._tokens: dict[str, str] = {}

    def auth(self, user: str) -> tuple[tuple[str, str], ...]:
        if user not in self._tokens:
            claims = TOKEN_CLAIMS.get(user, {})
            self._tokens[user] = self.keys.token(
                subject_id=user,
                roles=claims.get("roles", ()),
                departments=claims.get("departments", ("sales",)),
                display_name=user.title(),
            )
        return (("authorization", f"Bearer {self._tokens[user]}"),)

    def call(self, method, request, user: str = "mia"):
        return method(request, metadata=self.auth(user), timeout=10)

    def refused(self, code: grpc.StatusCode, method, request, user: str = "mia") -> str:
        with pytest.raises(grpc.RpcError) as raised:
            self.call(method, request, user)
        assert raised.value.code() == code, raised.value.details()
        return raised.value.details()


@pytest.fixture(scope="module")
def keys() -> TestKeys:
    return TestKeys()


@pytest.fixture
def api(world, keys):
    settings = load(env={}, grpc_port=0, grpc_max_workers=2)
    running = crm_reporting.entrypoints.api.start(
        settings, world.deps, verifier=keys.verifier(), access_log=False
    )
    channel = grpc.insecure_channel(running.address)
    try:
        yield Api(channel, keys)
    finally:
        channel.close()
        running.stop(0)
