"""leads' and deals' messages the marketing KPIs read -> reporting's payloads (LeadState,
CampaignState, AccountState), added to the worker's translation table
(``event_translation.CONSUMED``) so the event store keeps and re-translates them like every
other consumed event."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as deals_resources
from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm_chassis.wire import enums
from crm_reporting.domain.events import AccountState, CampaignState, LeadState

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _time(message: Any, name: str) -> dt.datetime | None:
    if not message.HasField(name):
        return None
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def _word(proto_enum: Any, number: int) -> str:
    try:
        return enums.word_of(proto_enum, number, "")
    except Exception:  # noqa: BLE001 - a value this build does not know reads as unknown
        return ""


def _calendar(message: Any, name: str) -> dt.date | None:
    """A CalendarDate field as a date; None when unset or not a real day."""
    if not message.HasField(name):
        return None
    day = getattr(message, name)
    try:
        return dt.date(day.year, day.month, day.day)
    except ValueError:
        return None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def lead_state(lead: lead_pb2.Lead) -> LeadState:
    return LeadState(
        id=lead.id,
        team_id=lead.assignment.team_id,
        sales_line_id=lead.data.sales_line_id,
        channel=_word(lead_pb2.Channel, lead.data.source.channel),
        campaign_id=lead.data.source.campaign_id,
        status=_word(lead_pb2.LeadStatus, lead.status),
        created_at=_time(lead, "created_at") or EPOCH,
        assigned_at=_time(lead.assignment, "assigned_at"),
        opportunity_id=lead.conversion.opportunity_id,
    )


def _lead(message: Any) -> LeadState:
    return lead_state(message.lead)


def _item_meta(batch: Any, lead_id: str, event_type: str, version: int) -> Any:
    """The meta of one lead's event standing for its item of a batch event: an event id derived
    from the batch's and the lead's (the same on a redelivery), the lead's own aggregate and
    version; time, producer, actor and trace are the batch's."""
    meta = type(batch.meta)()
    meta.CopyFrom(batch.meta)
    meta.event_id = uuid.uuid5(uuid.NAMESPACE_OID, f"{batch.meta.event_id}/{lead_id}").hex
    meta.event_type = event_type
    meta.aggregate_type = "lead"
    meta.aggregate_id = lead_id
    meta.aggregate_version = version
    return meta


def created_of_batch(batch: leads_events.LeadsCaptured) -> list[leads_events.LeadCreated]:
    """leads' import batch (leads_captured) as the lead_created each of its leads stands for, so
    an imported lead is stored and counted exactly as one captured alone (see _item_meta)."""
    return [
        leads_events.LeadCreated(
            meta=_item_meta(batch, lead.id, "lead_created", lead.version), lead=lead
        )
        for lead in batch.leads
    ]


def assigned_of_batch(batch: leads_events.LeadsAssigned) -> list[leads_events.LeadAssigned]:
    """leads' applied routing batch (leads_assigned) as the lead_assigned each item stands for
    (the item's meta names the lead's version), stored and counted as one assigned alone."""
    assigned = []
    for item in batch.assigned:
        one = leads_events.LeadAssigned()
        one.CopyFrom(item)
        one.meta.CopyFrom(
            _item_meta(batch, item.lead_id, "lead_assigned", item.meta.aggregate_version)
        )
        assigned.append(one)
    return assigned


def _assigned(message: Any) -> LeadState:
    return LeadState(
        id=message.lead_id,
        team_id=message.assignment.team_id,
        sales_line_id=message.sales_line_id,
        channel="",
        campaign_id="",
        status="",
        created_at=EPOCH,
        assigned_at=_time(message.assignment, "assigned_at"),
        opportunity_id="",
        complete=False,
    )


def _status(message: Any) -> LeadState:
    return LeadState(
        id=message.lead_id,
        team_id=message.team_id,
        sales_line_id=message.sales_line_id,
        channel="",
        campaign_id="",
        status=_word(lead_pb2.LeadStatus, message.status),
        created_at=EPOCH,
        assigned_at=None,
        opportunity_id="",
        complete=False,
    )


def _campaign(message: Any) -> CampaignState:
    c = message.campaign
    return CampaignState(
        id=c.id,
        name=c.name,
        channel=_word(lead_pb2.Channel, c.channel),
        starts_on=_calendar(c, "starts_on"),
        ends_on=_calendar(c, "ends_on"),
        cost=_decimal(c.cost.amount),
        currency=c.cost.currency,
    )


def _account(message: Any) -> AccountState:
    a: deals_resources.Account = message.account
    churned = a.relationship == deals_resources.RELATIONSHIP_CHURNED
    return AccountState(
        id=a.id,
        team_id=a.team_id,
        customer_since=_time(a, "customer_since"),
        churned_at=_time(a, "churned_at") if churned else None,
    )


#: (source, event type) -> (message class, payload translation): the marketing KPIs' events.
MARKETING_CONSUMED: dict[tuple[str, str], tuple[type, Any]] = {
    ("leads", "lead_created"): (leads_events.LeadCreated, _lead),
    ("leads", "lead_updated"): (leads_events.LeadUpdated, _lead),
    ("leads", "lead_assigned"): (leads_events.LeadAssigned, _assigned),
    ("leads", "lead_status_changed"): (leads_events.LeadStatusChanged, _status),
    ("leads", "lead_converted"): (leads_events.LeadConverted, _lead),
    ("leads", "lead_snapshot"): (leads_events.LeadSnapshot, _lead),
    ("leads", "campaign_created"): (leads_events.CampaignCreated, _campaign),
    ("leads", "campaign_updated"): (leads_events.CampaignUpdated, _campaign),
    ("leads", "campaign_snapshot"): (leads_events.CampaignSnapshot, _campaign),
    ("deals", "account_created"): (deals_events.AccountCreated, _account),
    ("deals", "account_updated"): (deals_events.AccountUpdated, _account),
    ("deals", "account_relationship_changed"): (
        deals_events.AccountRelationshipChanged,
        _account,
    ),
    ("deals", "account_snapshot"): (deals_events.AccountSnapshot, _account),
}
