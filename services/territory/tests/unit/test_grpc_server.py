"""The api's server as a whole: every service registered with health and reflection, and no
method answering INTERNAL/UNKNOWN to an empty request (a bug by the house rules)."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from crm_territory.entrypoints import api

from .conftest import World
from .grpc_client import METHODS, call_empty, start


@pytest.fixture(scope="module")
def server():
    w = World()
    team = w.team("Berlin", w.unit("DACH"))
    w.member(team, "ann")
    running, channel, tokens = start(w)
    yield channel, tokens
    channel.close()
    running.stop(0)


def test_every_proto_service_is_served_with_health_and_reflection(server):
    channel, _ = server
    served = {name for name, _ in METHODS}
    assert set(api.SERVICE_NAMES) == served and len(served) == 8
    health = health_pb2_grpc.HealthStub(channel)
    for name in api.SERVICE_NAMES:
        assert (
            health.Check(health_pb2.HealthCheckRequest(service=name)).status
            == health_pb2.HealthCheckResponse.SERVING
        )
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    answer = next(
        reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
    )
    assert served <= {s.name for s in answer.list_services_response.service}


@pytest.mark.parametrize("who", ["admin", "user", "service"])
@pytest.mark.parametrize("service_name, method", METHODS, ids=[m.name for _, m in METHODS])
def test_empty_requests_get_a_clear_answer_never_internal(server, who, service_name, method):
    channel, tokens = server
    token = {
        "admin": tokens.user("admin-1", "admin"),
        "user": tokens.user("ann"),
        "service": tokens.service(),
    }[who]
    err = call_empty(channel, service_name, method, token)
    if err is not None:
        assert err.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), err.details()
        assert err.details()
