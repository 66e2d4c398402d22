"""Sales interactions as crm.leads.v1 messages: the API's answers, the `lead_interaction_logged`
event and the interactions a `lead_conversion_requested` carries to deals."""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from crm.leads.v1 import events_pb2, interactions_pb2
from crm_leads.domain.interactions import Interaction
from crm_leads.domain.lead import Lead

KIND_NUMBERS = {
    "call": interactions_pb2.INTERACTION_KIND_CALL,
    "email": interactions_pb2.INTERACTION_KIND_EMAIL,
    "meeting": interactions_pb2.INTERACTION_KIND_MEETING,
    "note": interactions_pb2.INTERACTION_KIND_NOTE,
    "task": interactions_pb2.INTERACTION_KIND_TASK,
}


def _ts(target: Timestamp, moment: dt.datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def interaction(item: Interaction) -> interactions_pb2.LeadInteraction:
    message = interactions_pb2.LeadInteraction(
        id=item.id,
        lead_id=item.lead_id,
        team_id=item.team_id,
        kind=KIND_NUMBERS[item.kind],
        subject=item.subject,
        body=item.body,
        direction=item.direction,
        outcome=item.outcome,
        duration_minutes=item.duration_minutes,
        logged_by=item.logged_by,
        owner_user_id=item.owner_user_id,
        is_contact=item.is_contact,
    )
    _ts(message.occurred_at, item.occurred_at)
    _ts(message.created_at, item.created_at)
    _ts(message.due_at, item.due_at)
    _ts(message.done_at, item.done_at)
    return message


def interaction_logged(lead: Lead, item: Interaction) -> events_pb2.LeadInteractionLogged:
    return events_pb2.LeadInteractionLogged(
        interaction=interaction(item), sales_line_id=lead.data.sales_line_id
    )


def with_interactions(message: Message, items: list[Interaction]) -> Message:
    """The conversion request with the lead's interactions, oldest first (deals copies them in
    that order)."""
    assert isinstance(message, events_pb2.LeadConversionRequested)
    ordered = sorted(items, key=lambda i: (i.occurred_at, i.id))
    message.interactions.extend(interaction(item) for item in ordered)
    return message
