"""The facts routing looks at, taken from leads' lead_created (crm.leads.v1.Lead).

Leads records company size as a band (1-10, 11-50, 51-250, 251-1,000, more than 1,000 people);
territory's rules compare employee counts. A numeric ``employees`` custom attribute is used when
the lead has one; otherwise the band's lower bound stands for the lead, so a rule range that
starts at a band's first number (1, 11, 51, 251, 1001) takes exactly that band and above.
"""

from __future__ import annotations

import datetime as dt

from crm.leads.v1 import lead_pb2
from crm_chassis.errors import InvalidArgument
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.values import Money

EMPLOYEES_ATTRIBUTE = "employees"
BAND_LOWER_BOUND = {
    lead_pb2.COMPANY_SIZE_MICRO: 1,
    lead_pb2.COMPANY_SIZE_SMALL: 11,
    lead_pb2.COMPANY_SIZE_MEDIUM: 51,
    lead_pb2.COMPANY_SIZE_LARGE: 251,
    lead_pb2.COMPANY_SIZE_ENTERPRISE: 1001,
}
_CHANNEL_PREFIX = "CHANNEL_"


def _company_size(data: lead_pb2.LeadInput) -> int | None:
    text = data.custom_attributes.get(EMPLOYEES_ATTRIBUTE, "").strip()
    if text.isdigit():
        return int(text)
    return BAND_LOWER_BOUND.get(data.company.size)


def _revenue(data: lead_pb2.LeadInput) -> Money | None:
    money = data.company.annual_revenue
    if not (money.amount or money.currency):
        return None
    try:
        return Money.parse(money.amount, money.currency)
    except InvalidArgument:
        # Leads validated it already; a value territory cannot read matches no revenue rule
        # rather than stopping the lead from being routed at all.
        return None


def _lead_source(data: lead_pb2.LeadInput) -> str:
    channel = data.source.channel
    if channel == lead_pb2.CHANNEL_UNSPECIFIED:
        return ""
    return lead_pb2.Channel.Name(channel).removeprefix(_CHANNEL_PREFIX).lower()


def lead_facts(lead: lead_pb2.Lead, event_version: int = 0) -> LeadFacts:
    """``event_version``: the event's ``meta.aggregate_version``, for a snapshot without its
    own version (they are equal when both are set)."""
    data = lead.data
    return LeadFacts(
        lead_id=lead.id,
        country=data.location.country,
        region=data.location.region,
        city=data.location.city,
        postal_code=data.location.postal_code,
        industry=data.company.industry,
        company_size=_company_size(data),
        annual_revenue=_revenue(data),
        product_interests=tuple(data.product_interest),
        lead_source=_lead_source(data),
        campaign=data.source.campaign_id,
        sales_line_id=data.sales_line_id,
        created_at=lead.created_at.ToDatetime(tzinfo=dt.UTC)
        if lead.HasField("created_at")
        else None,
        version=lead.version or event_version,
    )
