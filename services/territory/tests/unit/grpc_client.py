"""A real territory gRPC server on 127.0.0.1 over the fake unit of work, and a client that
sends tokens signed by a test key (the chassis verifies them as it verifies identity's)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import message_factory

from crm.territory.v1 import (
    access_pb2,
    access_pb2_grpc,
    org_pb2,
    org_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    sales_lines_pb2,
    sales_lines_pb2_grpc,
    snapshots_pb2,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)
from crm_territory.entrypoints import api
from crm_territory.entrypoints.settings import TerritorySettings
from crm_testkit.auth import TestKeys

# (full service name, method descriptor) of every territory RPC, from the protos themselves.
METHODS = [
    (service.full_name, method)
    for module in (
        org_pb2,
        teams_pb2,
        sales_lines_pb2,
        territories_pb2,
        routing_pb2,
        access_pb2,
        snapshots_pb2,
    )
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]


def call_empty(channel: grpc.Channel, service_name: str, method, token: str):
    """Call ``method`` with an empty request; returns the RpcError, or None on success."""
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(
        f"/{service_name}/{method.name}",
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    try:
        call(request_class(), metadata=(("authorization", f"Bearer {token}"),), timeout=10)
    except grpc.RpcError as err:
        return err
    return None


class Client:
    """Stubs of every territory service; ``as_(token)`` gives a client calling with a token."""

    def __init__(self, channel: grpc.Channel, token: str = ""):
        self.channel, self._token = channel, token
        self.org = org_pb2_grpc.OrgServiceStub(channel)
        self.teams = teams_pb2_grpc.TeamServiceStub(channel)
        self.members = teams_pb2_grpc.MembershipServiceStub(channel)
        self.lines = sales_lines_pb2_grpc.SalesLineServiceStub(channel)
        self.territories = territories_pb2_grpc.TerritoryServiceStub(channel)
        self.routing = routing_pb2_grpc.RoutingServiceStub(channel)
        self.access = access_pb2_grpc.AccessServiceStub(channel)

    def as_(self, token: str) -> Client:
        return Client(self.channel, token)

    def __call__(self, method, request):
        metadata = (("authorization", f"Bearer {self._token}"),) if self._token else ()
        return method(request, metadata=metadata, timeout=10)

    def error(self, method, request) -> grpc.RpcError:
        """The error the call ends with (fails the test if it succeeds)."""
        with pytest.raises(grpc.RpcError) as caught:
            self(method, request)
        return caught.value


class Tokens:
    def __init__(self, keys: TestKeys):
        self._keys = keys

    def user(self, user_id: str, *roles: str, departments=("sales",)) -> str:
        return self._keys.token(user_id, "user", roles, departments, user_id.title())

    def service(self, name: str = "leads", *roles: str) -> str:
        """A service account's token holding ``roles`` (crm_chassis.service_roles) only."""
        return self._keys.token(name, "service", roles, (), name)


def start(world):
    """Serve ``world``'s fake unit of work; returns (running server, channel, Tokens)."""
    keys = TestKeys()
    settings = TerritorySettings.load(
        "territory", env={}, grpc_port=0, metrics_port=0, shutdown_grace_seconds=0.0
    )
    running = api.start(settings, world.deps, verifier=keys.verifier(), access_log=False)
    return running, grpc.insecure_channel(running.address), Tokens(keys)


def field_of(error: grpc.RpcError) -> str:
    """The ``x-error-field`` trailer the chassis sends with a refused input."""
    return dict(error.trailing_metadata() or ()).get("x-error-field", "")
