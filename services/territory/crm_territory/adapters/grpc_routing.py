"""RoutingService: previews, decisions, the unassigned queue and hand-over owner choices."""
from __future__ import annotations

from crm_chassis.errors import InvalidArgument

from crm.territory.v1 import routing_pb2 as pb, routing_pb2_grpc

from crm_territory.adapters.grpc_common import Servicer, caller, page_info
from crm_territory.service_layer import inbound, mappers, owners, routing


def _drafts(request) -> dict:
    drafts = {}
    for i, draft in enumerate(request.drafts):
        if draft.territory_id in drafts:
            raise InvalidArgument(f"drafts[{i}]: territory {draft.territory_id} has a draft "
                                  "already; send one draft per territory",
                                  field=f"drafts[{i}].territory_id")
        drafts[draft.territory_id] = inbound.rules(draft.rules)
    return drafts


class RoutingServicer(Servicer, routing_pb2_grpc.RoutingServiceServicer):
    def PreviewRoute(self, request, context):
        decision = routing.preview_route(self.uow, caller(), self.clock,
                                         inbound.lead(request.lead), _drafts(request))
        return pb.PreviewRouteResponse(decision=mappers.decision(decision))

    def GetRoutingDecision(self, request, context):
        decision = routing.get_decision(self.uow, caller(), self.clock, request.lead_id)
        return pb.GetRoutingDecisionResponse(decision=mappers.stored_decision(decision))

    def ListUnassignedLeads(self, request, context):
        page = routing.list_unassigned(self.uow, caller(), self.clock,
                                       page_size=request.page.page_size,
                                       cursor=request.page.cursor)
        return pb.ListUnassignedLeadsResponse(decisions=[mappers.stored_decision(d)
                                                         for d in page.items],
                                              page=page_info(page.next_cursor))

    def RetryRouting(self, request, context):
        decision = routing.retry_routing(self.uow, caller(), self.clock, self.deps.metrics,
                                         request.lead_id)
        return pb.RetryRoutingResponse(decision=mappers.stored_decision(decision))

    def ChooseOwner(self, request, context):
        choice = owners.choose_owner(self.uow, caller(), self.clock, team_id=request.team_id,
                                     subject_id=request.subject_id,
                                     exclude_user_ids=list(request.exclude_user_ids))
        return pb.ChooseOwnerResponse(choice=mappers.owner_choice(choice))

    def ChooseOwners(self, request, context):
        choices = owners.choose_owners(self.uow, caller(), self.clock, team_id=request.team_id,
                                       subject_ids=list(request.subject_ids),
                                       exclude_user_ids=list(request.exclude_user_ids))
        return pb.ChooseOwnersResponse(owners=[
            pb.SubjectOwner(subject_id=subject, choice=mappers.owner_choice(choice))
            for subject, choice in choices.items()])
