"""territory over gRPC (service token): the HandoverStrategy port over
RoutingService.ChooseOwners, and the SalesLineSource port over SalesLineService.GetSalesLine.

Territory applies the team's own strategy (round robin, load balanced, capacity, leave) to the
deals as it does to new leads, idempotently per subject (``deal:<id>``). A deal territory cannot
place with one of the remaining members (nobody eligible: all paused, on leave or at capacity)
goes to the least loaded remaining member (crm_deals.domain.handover): a leaver's open deal must
not stay with someone who is gone.
"""

from __future__ import annotations

import grpc

from crm.territory.v1 import routing_pb2, routing_pb2_grpc, sales_lines_pb2, sales_lines_pb2_grpc
from crm_chassis.errors import Unavailable
from crm_deals.domain.handover import least_loaded
from crm_deals.domain.sales_lines import WORKFLOWS, SalesLine, TerritoryPipeline
from crm_deals.service_layer.ports import HandoverStrategy, SalesLineSource

MAX_SUBJECTS = 1000  # ChooseOwners' limit per call


class TerritoryHandover(HandoverStrategy):
    def __init__(self, channel: grpc.Channel, timeout_seconds: float):
        self._stub = routing_pb2_grpc.RoutingServiceStub(channel)
        self._timeout = timeout_seconds

    def assign(self, team_id, deals, remaining_user_ids, open_deals_by_user):
        remaining = set(remaining_user_ids)
        chosen: dict[str, str] = {}
        for start in range(0, len(deals), MAX_SUBJECTS):
            chunk = deals[start : start + MAX_SUBJECTS]
            try:
                answer = self._stub.ChooseOwners(
                    routing_pb2.ChooseOwnersRequest(
                        team_id=team_id, subject_ids=[f"deal:{d.id}" for d in chunk]
                    ),
                    timeout=self._timeout,
                )
            except grpc.RpcError as exc:
                raise Unavailable(
                    f"territory cannot choose new owners for team {team_id} "
                    f"({exc.code().name}: {exc.details()})"
                ) from None
            for owner in answer.owners:
                user = owner.choice.owner_user_id
                if user in remaining and owner.subject_id.startswith("deal:"):
                    chosen[owner.subject_id.removeprefix("deal:")] = user
        load = dict(open_deals_by_user)
        for user in chosen.values():
            load[user] = load.get(user, 0) + 1
        rest = [d for d in deals if d.id not in chosen]
        return chosen | least_loaded(rest, sorted(remaining), load)


def sales_line_from(message) -> SalesLine:
    """deals' copy of a crm.territory.v1.SalesLine."""
    workflow = (
        sales_lines_pb2.WorkflowKind.Name(message.workflow_kind)
        .removeprefix("WORKFLOW_KIND_")
        .lower()
    )
    return SalesLine(
        id=message.id,
        name=message.name,
        workflow=workflow if workflow in WORKFLOWS else "",
        active=message.active,
        version=message.version,
        pipeline_id=message.pipeline_id,
    )


def territory_pipeline_from(message) -> TerritoryPipeline:
    """deals' copy of a crm.territory.v1.Territory's pipeline choice."""
    return TerritoryPipeline(
        territory_id=message.id,
        name=message.name,
        sales_line_id=message.sales_line_id,
        team_id=message.team_id,
        pipeline_id=message.pipeline_id,
        active=message.active,
        version=message.version,
    )


class TerritorySalesLines(SalesLineSource):
    """territory's SalesLineService.GetSalesLine (any authenticated caller may read lines)."""

    def __init__(self, channel: grpc.Channel, timeout_seconds: float):
        self._stub = sales_lines_pb2_grpc.SalesLineServiceStub(channel)
        self._timeout = timeout_seconds

    def get(self, sales_line_id):
        try:
            found = self._stub.GetSalesLine(
                sales_lines_pb2.GetSalesLineRequest(id=sales_line_id), timeout=self._timeout
            )
        except grpc.RpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise Unavailable(
                f"territory cannot tell whether sales line {sales_line_id!r} "
                f"exists ({exc.code().name}: {exc.details()})"
            ) from None
        return sales_line_from(found.sales_line)
