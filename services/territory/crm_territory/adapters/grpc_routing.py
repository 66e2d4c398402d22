"""RoutingService: previews, decisions, the unassigned queue and hand-over owner choices."""

from __future__ import annotations

from crm.territory.v1 import routing_pb2, routing_pb2_grpc
from crm_chassis.errors import InvalidArgument
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import owners, routing


def _drafts(request) -> dict:
    drafts = {}
    for i, draft in enumerate(request.drafts):
        if draft.territory_id in drafts:
            raise InvalidArgument(
                f"drafts[{i}]: territory {draft.territory_id} has a draft "
                "already; send one draft per territory",
                field=f"drafts[{i}].territory_id",
            )
        drafts[draft.territory_id] = grpc_mapping.rule_inputs(draft.rules)
    return drafts


class RoutingServicer(Servicer, routing_pb2_grpc.RoutingServiceServicer):
    def PreviewRoute(self, request, context):
        decision = routing.preview_route(
            self.deps, caller(), lead=grpc_mapping.lead_facts(request.lead), drafts=_drafts(request)
        )
        return routing_pb2.PreviewRouteResponse(decision=grpc_mapping.decision(decision))

    def GetRoutingDecision(self, request, context):
        decision = routing.get_decision(self.deps, caller(), lead_id=request.lead_id)
        return routing_pb2.GetRoutingDecisionResponse(
            decision=grpc_mapping.stored_decision(decision)
        )

    def ListUnassignedLeads(self, request, context):
        page = routing.list_unassigned(self.deps, caller(), **paged(request))
        return listed(
            routing_pb2.ListUnassignedLeadsResponse, "decisions", page, grpc_mapping.stored_decision
        )

    def RetryRouting(self, request, context):
        decision = routing.retry_routing(self.deps, caller(), lead_id=request.lead_id)
        return routing_pb2.RetryRoutingResponse(decision=grpc_mapping.stored_decision(decision))

    def ChooseOwner(self, request, context):
        choice = owners.choose_owner(
            self.deps,
            caller(),
            team_id=request.team_id,
            subject_id=request.subject_id,
            exclude_user_ids=list(request.exclude_user_ids),
        )
        return routing_pb2.ChooseOwnerResponse(choice=grpc_mapping.owner_choice(choice))

    def ChooseOwners(self, request, context):
        choices = owners.choose_owners(
            self.deps,
            caller(),
            team_id=request.team_id,
            subject_ids=list(request.subject_ids),
            exclude_user_ids=list(request.exclude_user_ids),
        )
        return routing_pb2.ChooseOwnersResponse(
            owners=[
                routing_pb2.SubjectOwner(
                    subject_id=subject, choice=grpc_mapping.owner_choice(choice)
                )
                for subject, choice in choices.items()
            ]
        )
