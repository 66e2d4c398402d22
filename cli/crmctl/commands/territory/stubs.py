"""territory's default address (the port `make run` gives it) and its gRPC stubs on the
session's channel."""

from __future__ import annotations

from crm.territory.v1 import (
    access_pb2_grpc,
    org_pb2_grpc,
    routing_pb2_grpc,
    sales_lines_pb2_grpc,
    snapshots_pb2_grpc,
    teams_pb2_grpc,
    territories_pb2_grpc,
)
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("territory", "127.0.0.1:50052")


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("territory")
        self.org = org_pb2_grpc.OrgServiceStub(channel)
        self.teams = teams_pb2_grpc.TeamServiceStub(channel)
        self.members = teams_pb2_grpc.MembershipServiceStub(channel)
        self.lines = sales_lines_pb2_grpc.SalesLineServiceStub(channel)
        self.territories = territories_pb2_grpc.TerritoryServiceStub(channel)
        self.routing = routing_pb2_grpc.RoutingServiceStub(channel)
        self.access = access_pb2_grpc.AccessServiceStub(channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(channel)
