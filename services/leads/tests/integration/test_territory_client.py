"""The handover strategy against a RoutingService served over real gRPC on 127.0.0.1: subjects
named "lead:<id>", the leaver excluded, 1,000 subjects per call, owners outside the remaining
members left out, and a failing territory answered as UNAVAILABLE (the event is redelivered)."""

from __future__ import annotations

from concurrent import futures

import grpc
import pytest

from crm.territory.v1 import routing_pb2, routing_pb2_grpc
from crm_chassis.errors import Unavailable
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_leads.adapters.territory_client import TerritoryHandoverStrategy

pytestmark = pytest.mark.integration


class Routing(routing_pb2_grpc.RoutingServiceServicer):
    """Round robin over ann/bob/zoe minus the excluded; zoe is not in leads' replica yet."""

    def __init__(self):
        self.requests = []
        self.fail = False

    def ChooseOwners(self, request, context):
        self.requests.append(request)
        if self.fail:
            context.abort(grpc.StatusCode.UNAVAILABLE, "territory is restarting")
        members = [m for m in ("ann", "bob", "zoe") if m not in request.exclude_user_ids]
        return routing_pb2.ChooseOwnersResponse(
            owners=[
                routing_pb2.SubjectOwner(
                    subject_id=subject,
                    choice=routing_pb2.OwnerChoice(owner_user_id=members[i % len(members)]),
                )
                for i, subject in enumerate(request.subject_ids)
            ]
        )


@pytest.fixture
def territory():
    servicer = Routing()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    routing_pb2_grpc.add_RoutingServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = make_channel(f"127.0.0.1:{port}", StaticTokenProvider("service-token"))
    yield servicer, TerritoryHandoverStrategy(channel, timeout_seconds=5)
    channel.close()
    server.stop(0)


def test_owners_come_from_choose_owners_in_chunks_of_a_thousand(territory):
    servicer, strategy = territory
    leads = [f"l{n:04d}" for n in range(1500)]
    owners = strategy.distribute("team-a", "cat", leads, ["ann", "bob"])
    assert [len(r.subject_ids) for r in servicer.requests] == [1000, 500]
    first = servicer.requests[0]
    assert first.team_id == "team-a" and list(first.exclude_user_ids) == ["cat"]
    assert first.subject_ids[0] == "lead:l0000"
    # zoe was chosen for every third lead but is no remaining member here: left unowned.
    assert set(owners.values()) == {"ann", "bob"}
    unowned = sum(1 for chunk in (1000, 500) for i in range(chunk) if i % 3 == 2)
    assert len(owners) == 1500 - unowned and "l0002" not in owners


def test_a_failing_territory_is_unavailable(territory):
    servicer, strategy = territory
    servicer.fail = True
    with pytest.raises(Unavailable, match="ChooseOwners failed"):
        strategy.distribute("team-a", "cat", ["l1"], ["ann"])
