"""A real chassis server (echo service) on 127.0.0.1 for the gRPC tests, shared per module."""

from __future__ import annotations

import io
import json

import grpc
import pytest

from crm.testing.v1 import echo_pb2_grpc
from crm_chassis.errors import Unauthenticated
from crm_chassis.grpc.server import start_server
from crm_chassis.logging import configure_logging, reset_logging
from crm_chassis.settings import ServiceSettings
from crm_testkit import echo
from crm_testkit.auth import TestKeys

DEACTIVATED_USER = "deactivated-user"
PUBLIC_METHODS = (f"/{echo.ECHO_SERVICE}/Fail",)


class LogCapture(io.StringIO):
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.getvalue().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def keys() -> TestKeys:
    return TestKeys()


@pytest.fixture(scope="module")
def logs() -> LogCapture:
    capture = LogCapture()
    configure_logging(None, service="echo-test", stream=capture)
    yield capture
    reset_logging()


def _principal_check(principal):
    if principal.subject_id == DEACTIVATED_USER:
        raise Unauthenticated("user deactivated: ask an administrator")


@pytest.fixture(scope="module")
def server(keys, logs):
    settings = ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=4)
    running = start_server(
        settings,
        echo.register,
        service_names=[echo.ECHO_SERVICE],
        verifier=keys.verifier(),
        public_methods=PUBLIC_METHODS,
        principal_check=_principal_check,
    )
    yield running
    running.stop(0)


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return echo_pb2_grpc.EchoServiceStub(channel)


@pytest.fixture
def bearer(keys):
    def make(token: str | None = None, **token_kwargs):
        return (("authorization", f"Bearer {token or keys.token(**token_kwargs)}"),)

    return make
