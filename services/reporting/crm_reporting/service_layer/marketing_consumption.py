"""The marketing read models of one aggregate, written again from all its stored events
whenever one of them is stored and by the rebuild (``consumption.derive`` calls this for every
aggregate): won deals from the deal's events, leads, campaigns and accounts from theirs."""

from __future__ import annotations

from collections.abc import Sequence

from crm_reporting.domain.events import RecordedEvent
from crm_reporting.domain.marketing.derive import (
    derive_account,
    derive_campaign,
    derive_lead,
    derive_won_deal,
)
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork

DEAL, LEAD, CAMPAIGN, ACCOUNT = "opportunity", "lead", "campaign", "account"


def derive_marketing(uow: ReportingUnitOfWork, events: Sequence[RecordedEvent]) -> None:
    if not events:
        return
    kind = events[0].aggregate_type
    if kind == DEAL:
        uow.marketing.put_won_deal(events[0].aggregate_id, derive_won_deal(events))
    elif kind == LEAD:
        lead = derive_lead(events)
        if lead is not None:
            uow.marketing.put_lead(lead)
    elif kind == CAMPAIGN:
        campaign = derive_campaign(events)
        if campaign is not None:
            uow.marketing.put_campaign(campaign)
    elif kind == ACCOUNT:
        account = derive_account(events)
        if account is not None:
            uow.marketing.put_account(account)
