"""LeadService servicer: proto in, use case, proto out. Errors are CrmErrors the chassis maps.

The caller's scope is never computed here: every use case asks the ScopeReader port (territory's
replica), so an unknown lead and another team's lead answer alike (NOT_FOUND).
"""

from __future__ import annotations

from crm.leads.v1 import lead_pb2, lead_service_pb2, lead_service_pb2_grpc
from crm_leads.adapters import grpc_mapping
from crm_leads.adapters.grpc_import import import_leads
from crm_leads.service_layer import (
    activities,
    assignment,
    conversion,
    history,
    leads,
    lifecycle,
    searching,
)
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.importing import DEFAULT_BATCH


class LeadServicer(lead_service_pb2_grpc.LeadServiceServicer):
    def __init__(self, deps: Dependencies, import_batch_size: int = DEFAULT_BATCH):
        self.deps = deps
        self.import_batch_size = import_batch_size

    def CreateLead(self, request, context):
        result = leads.create_lead(
            self.deps,
            grpc_mapping.caller(),
            idempotency_key=request.idempotency_key,
            values=grpc_mapping.capture_values(request.lead),
            on_duplicate=grpc_mapping.duplicate_policy(request.on_duplicate),
        )
        lead = (
            grpc_mapping.lead(result.lead)
            if result.visible
            else grpc_mapping.lead_reference(result.lead)
        )
        return lead_service_pb2.CreateLeadResponse(
            lead=lead, merged=result.merged, replayed=result.replayed
        )

    def GetLead(self, request, context):
        return grpc_mapping.lead(leads.get_lead(self.deps, grpc_mapping.caller(), request.lead_id))

    def UpdateLead(self, request, context):
        return grpc_mapping.lead(
            leads.update_lead(
                self.deps,
                grpc_mapping.caller(),
                request.lead_id,
                grpc_mapping.update_values(request.lead, request.update_mask.paths),
                expected_version=request.expected_version,
            )
        )

    def MergeLeads(self, request, context):
        return grpc_mapping.lead(
            leads.merge_leads(
                self.deps,
                grpc_mapping.caller(),
                request.survivor_lead_id,
                request.duplicate_lead_id,
            )
        )

    def ImportLeads(self, request_iterator, context):
        return import_leads(
            self.deps, grpc_mapping.caller(), request_iterator, batch_size=self.import_batch_size
        )

    def SearchLeads(self, request, context):
        page = searching.search_leads(
            self.deps,
            grpc_mapping.caller(),
            grpc_mapping.lead_filter(request.filter),
            sort=grpc_mapping.sort_field(request.sort),
            ascending=request.ascending if request.HasField("ascending") else None,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return lead_service_pb2.SearchLeadsResponse(
            leads=[grpc_mapping.lead(lead) for lead in page.items],
            page_info=grpc_mapping.page_info(page),
        )

    def RecordLeadActivity(self, request, context):
        activity = request.activity
        recorded = activities.record_activity(
            self.deps,
            grpc_mapping.caller(),
            lead_id=activity.lead_id,
            activity_id=activity.id,
            kind=grpc_mapping.enum_word(lead_pb2.ActivityKind, activity.kind),
            occurred_at=grpc_mapping.timestamp(activity, "occurred_at"),
            details=dict(activity.details),
        )
        response = lead_service_pb2.RecordLeadActivityResponse(
            activity=grpc_mapping.activity(recorded.activity), replayed=recorded.replayed
        )
        if recorded.score is not None:
            response.score.CopyFrom(grpc_mapping.score(recorded.score))
        return response

    def ListLeadActivities(self, request, context):
        page = activities.list_activities(
            self.deps,
            grpc_mapping.caller(),
            request.lead_id,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return lead_service_pb2.ListLeadActivitiesResponse(
            activities=[grpc_mapping.activity(a) for a in page.items],
            page_info=grpc_mapping.page_info(page),
        )

    def StartWorkingLead(self, request, context):
        return grpc_mapping.lead(
            lifecycle.start_working(self.deps, grpc_mapping.caller(), request.lead_id, request.note)
        )

    def QualifyLead(self, request, context):
        return grpc_mapping.lead(
            lifecycle.qualify(self.deps, grpc_mapping.caller(), request.lead_id, request.note)
        )

    def DisqualifyLead(self, request, context):
        reason = grpc_mapping.enum_word(lead_pb2.DisqualificationReason, request.reason)
        return grpc_mapping.lead(
            lifecycle.disqualify(
                self.deps, grpc_mapping.caller(), request.lead_id, reason, request.note
            )
        )

    def ReactivateLead(self, request, context):
        return grpc_mapping.lead(
            lifecycle.reactivate(self.deps, grpc_mapping.caller(), request.lead_id, request.note)
        )

    def AssignLead(self, request, context):
        return grpc_mapping.lead(
            assignment.assign_lead(
                self.deps,
                grpc_mapping.caller(),
                request.lead_id,
                team_id=request.team_id,
                owner_user_id=request.owner_user_id,
                note=request.note,
            )
        )

    def GetLeadHistory(self, request, context):
        page = history.lead_history(
            self.deps,
            grpc_mapping.caller(),
            request.lead_id,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return lead_service_pb2.GetLeadHistoryResponse(
            entries=[grpc_mapping.history_entry(e) for e in page.items],
            page_info=grpc_mapping.page_info(page),
        )

    def ConvertLead(self, request, context):
        return grpc_mapping.lead(
            conversion.convert_lead(
                self.deps,
                grpc_mapping.caller(),
                request.lead_id,
                link_account_id=request.link_account_id,
                opportunity_name=request.opportunity_name,
                expected_amount=grpc_mapping.money(request, "expected_amount"),
                expected_close=grpc_mapping.timestamp(request, "expected_close"),
            )
        )

    def RetryLeadConversion(self, request, context):
        return grpc_mapping.lead(
            conversion.retry_conversion(self.deps, grpc_mapping.caller(), request.lead_id)
        )
