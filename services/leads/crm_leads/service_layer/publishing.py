"""Saving what a lead recorded during a use case: its history entries (append-only) and its
events, as crm.leads.v1 messages emitted through the unit of work (the outbox), in the same
transaction as the change.

Events that describe one change share its version: lead_status_changed and lead_qualified of
one qualification both carry the lead's version after it.
"""
from __future__ import annotations

from crm.leads.v1 import events_pb2, lead_pb2

from crm_chassis.context import Actor

from crm_leads.domain import events
from crm_leads.domain.lead import Lead
from crm_leads.service_layer import messages
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

PUBLISHED = ("lead_created", "lead_updated", "lead_activity_recorded", "lead_scored",
             "lead_assigned", "lead_status_changed", "lead_qualified", "lead_disqualified",
             "lead_conversion_requested", "lead_conversion_failed", "lead_converted",
             "lead_merged", "campaign_created", "campaign_updated", "scoring_model_changed")


def _message(event: events.LeadEvent):
    lead = event.lead
    line, team = lead.data.sales_line_id, lead.assignment.team_id
    if isinstance(event, events.LeadScored):   # the only event without the lead's snapshot
        return events_pb2.LeadScored(
            lead_id=lead.id, sales_line_id=line, team_id=team, score=messages.score(lead.score),
            previous_score=event.previous_score,
            previous_grade=messages.grade(event.previous_grade))
    snapshot = messages.lead(lead)
    if isinstance(event, events.LeadCreated):
        return events_pb2.LeadCreated(lead=snapshot)
    if isinstance(event, events.LeadUpdated):
        return events_pb2.LeadUpdated(lead=snapshot,
                                      changes=[messages.field_change(c) for c in event.changes])
    if isinstance(event, events.LeadAssigned):
        return events_pb2.LeadAssigned(
            lead_id=lead.id, sales_line_id=line, assignment=snapshot.assignment,
            previous_team_id=event.previous_team_id,
            previous_owner_user_id=event.previous_owner_user_id)
    if isinstance(event, events.LeadStatusChanged):
        return events_pb2.LeadStatusChanged(
            lead_id=lead.id, sales_line_id=line, team_id=team,
            previous_status=lead_pb2.LeadStatus.Value(
                f"LEAD_STATUS_{event.previous_status.name}"),
            status=snapshot.status, note=event.note)
    if isinstance(event, events.LeadQualified):
        return events_pb2.LeadQualified(lead=snapshot)
    if isinstance(event, events.LeadDisqualified):
        return events_pb2.LeadDisqualified(lead=snapshot,
                                           reason=snapshot.disqualification_reason,
                                           note=lead.status_note)
    if isinstance(event, events.LeadConversionRequested):
        return events_pb2.LeadConversionRequested(lead=snapshot, conversion=snapshot.conversion,
                                                  attempt=lead.conversion.attempts)
    if isinstance(event, events.LeadConversionFailed):
        return events_pb2.LeadConversionFailed(lead_id=lead.id, conversion=snapshot.conversion)
    if isinstance(event, events.LeadConverted):
        return events_pb2.LeadConverted(lead=snapshot)
    if isinstance(event, events.LeadMerged):
        return events_pb2.LeadMerged(survivor=snapshot, merged=messages.lead(event.merged))
    raise TypeError(f"no message for {type(event).__name__}")  # pragma: no cover


def save_changes(uow: LeadsUnitOfWork, lead: Lead, actor: Actor) -> None:
    """Append the lead's new history entries and emit its new events, then forget them."""
    for entry in lead.new_history:
        uow.history.append(entry)
    for event in lead.new_events:
        uow.emit(event.event_type, _message(event), aggregate_type="lead",
                 aggregate_id=lead.id, aggregate_version=event.lead.version, actor=actor)
    lead.new_history.clear()
    lead.new_events.clear()
