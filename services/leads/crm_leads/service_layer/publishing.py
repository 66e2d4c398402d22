"""Saving what a lead recorded during a use case: its history entries (append-only) and its
events, as crm.leads.v1 messages emitted through the unit of work (the outbox), in the same
transaction as the change.

Events that describe one change share its version: lead_status_changed and lead_qualified of
one qualification both carry the lead's version after it.
"""

from __future__ import annotations

from typing import cast

from crm.leads.v1 import events_pb2
from crm_chassis.context import Actor
from crm_leads.domain.lead import Lead
from crm_leads.service_layer.event_messages import lead_event
from crm_leads.service_layer.interaction_messages import with_interactions
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

PUBLISHED = (
    "lead_created",
    "lead_updated",
    "lead_activity_recorded",
    "lead_scored",
    "lead_assigned",
    "lead_status_changed",
    "lead_qualified",
    "lead_disqualified",
    "lead_conversion_requested",
    "lead_conversion_failed",
    "lead_converted",
    "lead_merged",
    "campaign_created",
    "campaign_updated",
    "scoring_model_changed",
    "lead_interaction_logged",
    "lead_task_reminder_due",
    "lead_snapshot",
    "campaign_snapshot",
    "personal_data_erased",
    "leads_captured",
    "leads_assigned",
)

# What an import announces once per batch (leads_captured) instead of per lead: the batch's
# snapshots carry each lead as captured and scored. lead_scored has no consumer; lead_created's
# consumers (territory, reporting) take the batch event.
HELD_BACK_IN_BATCH = frozenset({"lead_created", "lead_scored"})


# What applying a batch of routing decisions announces once per batch (leads_assigned) instead
# of per lead: its consumers (territory's queue and workload, reporting) take the batch event.
ASSIGNED_IN_BATCH = "lead_assigned"
ASSIGNMENT_BATCH_AGGREGATE = "lead_assignment_batch"


def save_changes(
    uow: LeadsUnitOfWork,
    lead: Lead,
    actor: Actor,
    assigned: list[events_pb2.LeadAssigned] | None = None,
) -> None:
    """Append the lead's new history entries and emit its new events, then forget them.

    With ``assigned`` (a batch of routing decisions), a lead_assigned is appended there, its
    meta naming the lead and its version, for one leads_assigned (:func:`emit_assigned`)."""
    for entry in lead.new_history:
        uow.history.append(entry)
    for event in lead.new_events:
        message = lead_event(event)
        if assigned is not None and event.event_type == ASSIGNED_IN_BATCH:
            item = cast(events_pb2.LeadAssigned, message)  # lead_event's for lead_assigned
            item.meta.aggregate_type = "lead"
            item.meta.aggregate_id = lead.id
            item.meta.aggregate_version = event.lead.version
            assigned.append(item)
            continue
        if event.event_type == "lead_conversion_requested":
            # The interactions move with the lead: deals copies them to the contact and the
            # opportunity. A converting lead takes no new ones, so every attempt carries the same.
            message = with_interactions(message, uow.interactions.for_lead(lead.id))
        uow.emit(
            event.event_type,
            message,
            aggregate_type="lead",
            aggregate_id=lead.id,
            aggregate_version=event.lead.version,
            actor=actor,
        )
    lead.new_history.clear()
    lead.new_events.clear()


def emit_assigned(
    uow: LeadsUnitOfWork, batch_id: str, assigned: list[events_pb2.LeadAssigned], actor: Actor
) -> None:
    """One leads_assigned of the assignments collected by :func:`save_changes` (none: nothing)."""
    if assigned:
        uow.emit(
            "leads_assigned",
            events_pb2.LeadsAssigned(assigned=assigned),
            aggregate_type=ASSIGNMENT_BATCH_AGGREGATE,
            aggregate_id=batch_id,
            aggregate_version=1,
            actor=actor,
        )
