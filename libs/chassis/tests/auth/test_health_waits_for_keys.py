"""An api that verifies tokens with identity's keys answers health NOT_SERVING until it holds
them, and turns SERVING by itself once identity answers (crm_chassis.grpc.health_gate)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm_chassis.auth import IdentityKeySource, StaticKeySource, TokenVerifier, generate_private_key
from crm_chassis.grpc.db_health import LIVENESS_SERVICE
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings
from crm_testkit import echo, wait_until

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def test_the_key_source_says_when_it_holds_keys(identity):
    identity.add_key(generate_private_key())
    identity.down = True
    source = IdentityKeySource(identity.address, start=False)
    try:
        assert source.refresh() is False and source.wait_for_keys(0) is False
        identity.down = False
        assert source.refresh() is True and source.wait_for_keys(0) is True
    finally:
        source.close()


@pytest.fixture
def api():
    servers = []

    def start(key_source):
        settings = ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=2)
        verifier = TokenVerifier(key_source, "crm-identity", "crm")
        running = start_server(
            settings,
            echo.register,
            service_names=[echo.ECHO_SERVICE],
            verifier=verifier,
            on_stop=getattr(key_source, "close", None),
        )
        servers.append(running)
        channel = grpc.insecure_channel(running.address)
        stub = health_pb2_grpc.HealthStub(channel)
        return lambda service="": (
            stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        )

    yield start
    for running in servers:
        running.stop(0)


def test_health_is_not_serving_until_identity_s_keys_are_read(identity, api):
    identity.add_key(generate_private_key())
    identity.down = True  # the platform starting: identity not up yet
    source = IdentityKeySource(identity.address, refresh_seconds=0.05)
    status = api(source)
    wait_until(lambda: identity.key_calls >= 2, timeout=10, message="no key read attempted")

    assert status() == NOT_SERVING and status(echo.ECHO_SERVICE) == NOT_SERVING
    assert status(LIVENESS_SERVICE) == SERVING  # the process itself is fine

    identity.down = False
    wait_until(
        lambda: status() == SERVING,
        timeout=10,
        message="health did not turn SERVING once the keys were read",
    )
    assert status(echo.ECHO_SERVICE) == SERVING

    identity.down = True  # keys once read are kept through an outage
    calls = identity.key_calls
    wait_until(lambda: identity.key_calls >= calls + 3, timeout=10)
    assert status() == SERVING


def test_fixed_keys_are_serving_at_once(api):
    status = api(StaticKeySource({}))
    assert status() == SERVING
