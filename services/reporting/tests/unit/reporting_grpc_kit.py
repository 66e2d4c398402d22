"""A real chassis gRPC server on 127.0.0.1 serving SalesReportsService over the fake world
(reporting_fakes.World), and a client calling it as the world's people with signed tokens."""

from __future__ import annotations

import grpc
import pytest

import crm_reporting.entrypoints.api
from crm.reporting.v1 import reports_pb2_grpc
from crm_reporting.entrypoints.settings import load
from crm_testkit.auth import TestKeys, TokenCaller

TOKEN_CLAIMS = {"root": {"roles": ["admin"]}, "ceo": {"departments": ["management"]}}


class Api(TokenCaller):
    def __init__(self, channel: grpc.Channel, keys: TestKeys) -> None:
        super().__init__(keys, TOKEN_CLAIMS, default_user="mia")
        self.reports = reports_pb2_grpc.SalesReportsServiceStub(channel)


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
