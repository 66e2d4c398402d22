"""Leads by source channel and campaign: how many were created in the period, how fast they
were routed and first contacted (median hours), and how many became won deals.

- A lead counts in the period of its ``created_at`` (business time), for the team it was routed
  to; unrouted leads count only in a company scope (they belong to no team yet).
- Hours to route: ``routed_at - created_at``; hours to first contact: ``first_contact_at -
  created_at`` (the first move to working); medians over the leads that have them, one decimal.
- Lead -> won: the lead was converted and its deal is won (whenever it was won, as far as
  reporting knows at the time of the report) ÷ leads x 100, one decimal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.figures import median, one_decimal, percent
from crm_reporting.domain.marketing.facts import LeadFact

SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class SourceRow:
    channel: str
    campaign_id: str
    leads: int
    routed: int
    median_hours_to_route: Decimal | None
    contacted: int
    median_hours_to_first_contact: Decimal | None
    converted: int
    won: int
    lead_to_won_percent: Decimal | None


def _hours(seconds: float) -> Decimal:
    return Decimal(str(max(0.0, seconds))) / SECONDS_PER_HOUR


def lead_sources(leads: Iterable[LeadFact], won_deal_ids: frozenset[str]) -> list[SourceRow]:
    """One row per (channel, campaign) of ``leads`` (already those of the scope and period),
    most leads first, then by channel and campaign."""
    groups: dict[tuple[str, str], list[LeadFact]] = defaultdict(list)
    for lead in leads:
        groups[(lead.channel, lead.campaign_id)].append(lead)
    rows = []
    for (channel, campaign_id), group in groups.items():
        to_route = [
            _hours((lead.routed_at - lead.created_at).total_seconds())
            for lead in group
            if lead.routed_at is not None
        ]
        to_contact = [
            _hours((lead.first_contact_at - lead.created_at).total_seconds())
            for lead in group
            if lead.first_contact_at is not None
        ]
        converted = [lead for lead in group if lead.opportunity_id]
        won = sum(1 for lead in converted if lead.opportunity_id in won_deal_ids)
        rows.append(
            SourceRow(
                channel=channel,
                campaign_id=campaign_id,
                leads=len(group),
                routed=len(to_route),
                median_hours_to_route=one_decimal(median(to_route)),
                contacted=len(to_contact),
                median_hours_to_first_contact=one_decimal(median(to_contact)),
                converted=len(converted),
                won=won,
                lead_to_won_percent=percent(won, len(group)),
            )
        )
    return sorted(rows, key=lambda r: (-r.leads, r.channel, r.campaign_id))
