"""The backfill of a consumer that joins a running platform (reporting): leads re-publishes the
current state of its leads and campaigns as ``lead_snapshot`` / ``campaign_snapshot`` events.

Why snapshots through the outbox (docs/design-notes.md, "Backfill"): leads' events already carry
the whole record, so a snapshot is one more event of the same shape; it travels the consumer's
ordinary path (inbox, versions), and the relay publishes it in outbox order after every event the
record had before. Each snapshot carries the record's current version as its aggregate version:
a consumer holding that version or a newer one changes nothing, and a later change of the record
has a higher version, so a snapshot delivered late loses to it. Repeating a backfill is harmless.

One call writes one page (keyset cursor), in one transaction, so a backfill of millions of leads
is many short transactions that a caller resumes from the last cursor.

Who: the management department, or a service account with the ``publish_lead_snapshots`` role.
The caller learns counts only: the records go to the broker, where only the consumers that
subscribe to the snapshot types (reporting, which applies the visibility rules itself) read them.
"""

from __future__ import annotations

from crm.leads.v1 import events_pb2
from crm_chassis import paging
from crm_chassis.caller import SERVICE, USER, Caller, require_authenticated
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_chassis.service_roles import PUBLISH_LEAD_SNAPSHOTS
from crm_leads.domain.campaign import Campaign
from crm_leads.domain.lead import Lead
from crm_leads.service_layer import event_messages
from crm_leads.service_layer.authorization import MANAGEMENT
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

LEADS, CAMPAIGNS = "leads", "campaigns"
KINDS = (LEADS, CAMPAIGNS)


def require_snapshot_right(caller: Caller | None) -> Caller:
    """The management department (a person) or a service account granted the role."""
    who = require_authenticated(caller)
    if who.kind == USER and who.in_department(MANAGEMENT):
        return who
    if who.kind == SERVICE and who.has_role(PUBLISH_LEAD_SNAPSHOTS):
        return who
    raise PermissionDenied(
        "re-publishing snapshots is for the management department or a service account with "
        f"the {PUBLISH_LEAD_SNAPSHOTS!r} role"
    )


def publish_snapshots(
    deps: Dependencies, caller: Caller | None, *, kind: str, page_size: int = 0, cursor: str = ""
) -> paging.Page[str]:
    """Write one page of ``kind`` records (``leads`` or ``campaigns``) to the outbox as
    snapshots, each at the record's current version; the page lists the ids published."""
    who = require_snapshot_right(caller)
    if kind not in KINDS:
        raise InvalidArgument(
            f"kind must be one of {', '.join(KINDS)}; got {kind or 'nothing'!r}", field="kind"
        )
    paging.page_size(page_size)  # refused before anything is read
    with deps.uow() as uow:
        if kind == LEADS:
            leads = paging.fetch_page(
                lambda after, limit: uow.leads.every_after(str(after[0]) if after else "", limit),
                lambda lead: (lead.id,),
                page_size,
                cursor,
            )
            for lead in leads.items:
                _emit_lead(uow, lead, who)
            uow.commit()
            return paging.Page([lead.id for lead in leads.items], leads.next_cursor)
        campaigns = paging.fetch_page(
            lambda after, limit: uow.campaigns.list(str(after[0]) if after else "", limit),
            lambda campaign: (campaign.name.lower(),),
            page_size,
            cursor,
        )
        for campaign in campaigns.items:
            _emit_campaign(uow, campaign, who)
        uow.commit()
        return paging.Page([c.id for c in campaigns.items], campaigns.next_cursor)


def _emit_lead(uow: LeadsUnitOfWork, lead: Lead, who: Caller) -> None:
    uow.emit(
        "lead_snapshot",
        events_pb2.LeadSnapshot(lead=event_messages.lead(lead)),
        aggregate_type="lead",
        aggregate_id=lead.id,
        aggregate_version=lead.version,
        actor=who.actor,
    )


def _emit_campaign(uow: LeadsUnitOfWork, campaign: Campaign, who: Caller) -> None:
    uow.emit(
        "campaign_snapshot",
        events_pb2.CampaignSnapshot(campaign=event_messages.campaign(campaign)),
        aggregate_type="campaign",
        aggregate_id=campaign.id,
        aggregate_version=campaign.version,
        actor=who.actor,
    )
