"""What leads' and deals' events say about an item's team, owner and state, for workload
tracking (crm_territory/domain/workload.py).

Leads: ``lead_assigned`` (routed, queued, assigned, claimed, handed over) carries team and owner;
``lead_status_changed`` (every status change) the status; ``lead_merged`` the duplicate, which
becomes MERGED without a lead_status_changed of its own (and the survivor). A lead is open
while NEW, WORKING or QUALIFIED — leads' own "open" (what it hands over when a member leaves);
CONVERTING and CONVERTED leads count no more, their opportunity does from ``deal_created`` on,
and a conversion refused for good brings the lead back to QUALIFIED (a lead_status_changed).

Deals: every opportunity event carries the whole record; a deal is open while its status is
OPEN. The version is the record's own (``lead.version``, ``deal.version``), equal to the
event's ``meta.aggregate_version`` — except for lead_merged's duplicate, whose event is the
survivor's.
"""

from __future__ import annotations

from crm.deals.v1 import resources_pb2
from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm_territory.domain.workload import ItemFact, ItemKind

OPEN_LEAD_STATUSES = frozenset(
    {lead_pb2.LEAD_STATUS_NEW, lead_pb2.LEAD_STATUS_WORKING, lead_pb2.LEAD_STATUS_QUALIFIED}
)


def _lead_open(status: int) -> bool | None:
    if status == lead_pb2.LEAD_STATUS_UNSPECIFIED:
        return None  # says nothing about the status
    return status in OPEN_LEAD_STATUSES


def _deal_open(status: int) -> bool | None:
    if status == resources_pb2.DEAL_STATUS_UNSPECIFIED:
        return None
    return status == resources_pb2.DEAL_STATUS_OPEN


def _lead_snapshot(lead: lead_pb2.Lead, event_version: int) -> ItemFact:
    return ItemFact(
        ItemKind.LEAD,
        lead.id,
        lead.version or event_version,
        owner=(lead.assignment.team_id, lead.assignment.owner_user_id),
        open=_lead_open(lead.status),
    )


def lead_assigned_facts(event: leads_events.LeadAssigned) -> list[ItemFact]:
    assignment = event.assignment
    return [
        ItemFact(
            ItemKind.LEAD,
            event.lead_id,
            event.meta.aggregate_version,
            owner=(assignment.team_id, assignment.owner_user_id),
        )
    ]


def lead_status_facts(event: leads_events.LeadStatusChanged) -> list[ItemFact]:
    is_open = _lead_open(event.status)
    if is_open is None:
        return []
    return [ItemFact(ItemKind.LEAD, event.lead_id, event.meta.aggregate_version, open=is_open)]


def lead_merged_facts(event: leads_events.LeadMerged) -> list[ItemFact]:
    # The duplicate's own version only: meta.aggregate_version is the survivor's.
    return [
        _lead_snapshot(event.survivor, event.meta.aggregate_version),
        _lead_snapshot(event.merged, 0),
    ]


def deal_facts(event) -> list[ItemFact]:
    """deal_created, deal_updated, deal_won, deal_lost, deal_reopened, deal_transferred: the
    deal after the change (``event.deal``)."""
    deal: resources_pb2.Opportunity = event.deal
    return [
        ItemFact(
            ItemKind.DEAL,
            deal.id,
            deal.version or event.meta.aggregate_version,
            owner=(deal.team_id, deal.owner_user_id),
            open=_deal_open(deal.status),
        )
    ]
