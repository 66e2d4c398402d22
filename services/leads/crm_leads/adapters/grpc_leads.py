"""LeadService servicer: proto in, use case, proto out. Errors are CrmErrors the chassis maps.

The caller's scope is never computed here: every use case asks the ScopeReader port (territory's
replica), so an unknown lead and another team's lead answer alike (NOT_FOUND).
"""
from __future__ import annotations

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as service_pb2
from crm.leads.v1 import lead_service_pb2_grpc

from crm_leads.adapters import grpc_mapping as mapping
from crm_leads.adapters.grpc_import import import_leads
from crm_leads.service_layer import (activities, assignment, conversion, history, leads,
                                     lifecycle, messages, searching)
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.importing import DEFAULT_BATCH
from crm_leads.service_layer.paging import Page


def _page_info(page: Page) -> pagination_pb2.PageInfo:
    return pagination_pb2.PageInfo(next_cursor=page.next_cursor)


class LeadServicer(lead_service_pb2_grpc.LeadServiceServicer):
    def __init__(self, deps: Dependencies, import_batch_size: int = DEFAULT_BATCH):
        self.deps = deps
        self.import_batch_size = import_batch_size

    def CreateLead(self, request, context):
        result = leads.create_lead(
            self.deps, mapping.caller(), idempotency_key=request.idempotency_key,
            values=mapping.capture_values(request.lead),
            on_duplicate=mapping.duplicate_policy(request.on_duplicate))
        lead = messages.lead(result.lead) if result.visible else messages.lead_reference(
            result.lead)
        return service_pb2.CreateLeadResponse(lead=lead, merged=result.merged,
                                              replayed=result.replayed)

    def GetLead(self, request, context):
        return messages.lead(leads.get_lead(self.deps, mapping.caller(), request.lead_id))

    def UpdateLead(self, request, context):
        return messages.lead(leads.update_lead(
            self.deps, mapping.caller(), request.lead_id,
            mapping.update_values(request.lead, request.update_mask.paths),
            expected_version=request.expected_version))

    def MergeLeads(self, request, context):
        return messages.lead(leads.merge_leads(self.deps, mapping.caller(),
                                               request.survivor_lead_id,
                                               request.duplicate_lead_id))

    def ImportLeads(self, request_iterator, context):
        return import_leads(self.deps, mapping.caller(), request_iterator,
                            batch_size=self.import_batch_size)

    def SearchLeads(self, request, context):
        page = searching.search_leads(
            self.deps, mapping.caller(), mapping.lead_filter(request.filter),
            sort=mapping.sort_field(request.sort),
            ascending=request.ascending if request.HasField("ascending") else None,
            page_size=request.page.page_size, cursor=request.page.cursor)
        return service_pb2.SearchLeadsResponse(leads=[messages.lead(lead) for lead in page.items],
                                               page_info=_page_info(page))

    def RecordLeadActivity(self, request, context):
        activity = request.activity
        recorded = activities.record_activity(
            self.deps, mapping.caller(), lead_id=activity.lead_id, activity_id=activity.id,
            kind=mapping.enum_word(lead_pb2.ActivityKind, "ACTIVITY_KIND", activity.kind),
            occurred_at=mapping.timestamp(activity, "occurred_at"),
            details=dict(activity.details))
        response = service_pb2.RecordLeadActivityResponse(
            activity=messages.activity(recorded.activity), replayed=recorded.replayed)
        if recorded.score is not None:
            response.score.CopyFrom(messages.score(recorded.score))
        return response

    def ListLeadActivities(self, request, context):
        page = activities.list_activities(self.deps, mapping.caller(), request.lead_id,
                                          page_size=request.page.page_size,
                                          cursor=request.page.cursor)
        return service_pb2.ListLeadActivitiesResponse(
            activities=[messages.activity(a) for a in page.items], page_info=_page_info(page))

    def StartWorkingLead(self, request, context):
        return messages.lead(lifecycle.start_working(self.deps, mapping.caller(),
                                                     request.lead_id, request.note))

    def QualifyLead(self, request, context):
        return messages.lead(lifecycle.qualify(self.deps, mapping.caller(), request.lead_id,
                                               request.note))

    def DisqualifyLead(self, request, context):
        reason = mapping.enum_word(lead_pb2.DisqualificationReason,
                                   "DISQUALIFICATION_REASON", request.reason)
        return messages.lead(lifecycle.disqualify(self.deps, mapping.caller(), request.lead_id,
                                                  reason, request.note))

    def ReactivateLead(self, request, context):
        return messages.lead(lifecycle.reactivate(self.deps, mapping.caller(), request.lead_id,
                                                  request.note))

    def AssignLead(self, request, context):
        return messages.lead(assignment.assign_lead(
            self.deps, mapping.caller(), request.lead_id, team_id=request.team_id,
            owner_user_id=request.owner_user_id, note=request.note))

    def GetLeadHistory(self, request, context):
        page = history.lead_history(self.deps, mapping.caller(), request.lead_id,
                                    page_size=request.page.page_size, cursor=request.page.cursor)
        return service_pb2.GetLeadHistoryResponse(
            entries=[messages.history_entry(e) for e in page.items], page_info=_page_info(page))

    def ConvertLead(self, request, context):
        return messages.lead(conversion.convert_lead(
            self.deps, mapping.caller(), request.lead_id,
            link_account_id=request.link_account_id, opportunity_name=request.opportunity_name,
            expected_amount=mapping.money(request, "expected_amount"),
            expected_close=mapping.timestamp(request, "expected_close")))

    def RetryLeadConversion(self, request, context):
        return messages.lead(conversion.retry_conversion(self.deps, mapping.caller(),
                                                         request.lead_id))
