"""LeadInteractionService servicer: proto in, use case, proto out (the messages are
service_layer/interaction_messages.py's, shared with the events)."""

from __future__ import annotations

from crm.leads.v1 import interactions_pb2, interactions_pb2_grpc
from crm_leads.adapters import grpc_mapping
from crm_leads.service_layer import interactions
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.interaction_messages import interaction


class LeadInteractionServicer(interactions_pb2_grpc.LeadInteractionServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def LogLeadInteraction(self, request, context):
        return interaction(
            interactions.log_lead_interaction(
                self.deps,
                grpc_mapping.caller(),
                lead_id=request.lead_id,
                kind=grpc_mapping.enum_word(interactions_pb2.InteractionKind, request.kind),
                subject=request.subject,
                body=request.body,
                direction=request.direction,
                outcome=request.outcome,
                duration_minutes=request.duration_minutes,
                owner_user_id=request.owner_user_id,
                occurred_at=grpc_mapping.timestamp(request, "occurred_at"),
                due_at=grpc_mapping.timestamp(request, "due_at"),
            )
        )

    def ListLeadInteractions(self, request, context):
        page = interactions.list_lead_interactions(
            self.deps,
            grpc_mapping.caller(),
            request.lead_id,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return interactions_pb2.ListLeadInteractionsResponse(
            interactions=[interaction(i) for i in page.items],
            page_info=grpc_mapping.page_info(page),
        )

    def CompleteLeadTask(self, request, context):
        return interaction(
            interactions.complete_lead_task(self.deps, grpc_mapping.caller(), request.id)
        )

    def ListMyLeadTasks(self, request, context):
        page = interactions.list_my_lead_tasks(
            self.deps,
            grpc_mapping.caller(),
            team_id=request.team_id,
            user_id=request.user_id,
            bucket=request.bucket,
            time_zone=request.time_zone,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return interactions_pb2.ListMyLeadTasksResponse(
            tasks=[
                interactions_pb2.DueLeadTask(
                    task=interaction(d.task), bucket=d.bucket, lead_name=d.lead_name
                )
                for d in page.items
            ],
            page_info=grpc_mapping.page_info(page),
        )
