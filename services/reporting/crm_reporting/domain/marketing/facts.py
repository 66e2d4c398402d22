"""What the marketing and customer KPIs read: plain values derived from leads', campaigns',
accounts' and won deals' events (their own and their snapshots), never a protobuf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LeadFact:
    """A lead as the source figures count it."""

    id: str
    team_id: str  # the team it was routed to ("" while unrouted)
    sales_line_id: str
    channel: str  # source channel word ("web_form", "event", ...)
    campaign_id: str  # "" without a campaign
    created_at: dt.datetime
    routed_at: dt.datetime | None = None  # first placed in a team by routing
    first_contact_at: dt.datetime | None = None  # first moved to working
    opportunity_id: str = ""  # the deal it was converted to ("" = not converted)


@dataclass(frozen=True)
class CampaignFact:
    id: str
    name: str
    channel: str
    starts_on: dt.date
    ends_on: dt.date | None  # None: open-ended
    cost: Decimal
    currency: str

    def runs_during(self, first: dt.date, last: dt.date) -> bool:
        """Its run [starts_on, ends_on] overlaps the days [first, last]."""
        return self.starts_on <= last and (self.ends_on is None or self.ends_on >= first)


@dataclass(frozen=True)
class ProductLine:
    product_id: str
    amount: Decimal  # the line's total after discount, in the deal's currency


@dataclass(frozen=True)
class WonDeal:
    """A deal won, as it was when won: the team it counts for, its revenue and lines."""

    id: str
    team_id: str
    account_id: str
    campaign_id: str
    originating_lead_id: str
    currency: str
    revenue: Decimal  # actual revenue
    won_at: dt.datetime
    lines: tuple[ProductLine, ...] = ()
    owner_user_id: str = ""  # the owner it counted for when won
    sales_line_id: str = ""


@dataclass(frozen=True)
class AccountFact:
    id: str
    team_id: str
    customer_since: dt.datetime | None  # first deal won
    churned_at: dt.datetime | None  # marked churned (None: a customer or a prospect)
