"""The facts about a lead that routing looks at (a copy taken from lead_created)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_territory.domain.values import Money


@dataclass(frozen=True)
class LeadFacts:
    lead_id: str
    country: str = ""
    region: str = ""
    city: str = ""
    postal_code: str = ""
    industry: str = ""
    company_size: int | None = None
    annual_revenue: Money | None = None
    product_interests: tuple[str, ...] = ()
    lead_source: str = ""
    campaign: str = ""
    sales_line_id: str = ""  # a hint: only this line's territories are considered
    created_at: dt.datetime | None = None
    version: int = 0  # the lead's version these facts are from (0: unknown)
