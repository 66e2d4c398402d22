"""The images' HEALTHCHECK command: SERVING is healthy; nothing listening is not."""

from crm_chassis.grpc.healthcheck import serving
from crm_testkit import free_port


def test_a_serving_api_is_healthy(server):
    assert serving(server.address)


def test_nothing_listening_is_unhealthy():
    assert not serving(f"127.0.0.1:{free_port()}", timeout=0.5)
