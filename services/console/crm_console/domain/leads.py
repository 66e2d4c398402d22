"""Leads as the console's pages show them (translated from leads' API by the adapters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

STATUSES = ("new", "working", "qualified", "disqualified", "converting", "converted", "merged")
OPEN_STATUSES = ("new", "working", "qualified")
GRADES = ("a", "b", "c", "d")
CHANNELS = (
    "web_form",
    "social_media",
    "paid_ads",
    "purchased_list",
    "referral",
    "event",
    "other",
)
COMPANY_SIZES = ("micro", "small", "medium", "large", "enterprise")
DISQUALIFICATION_REASONS = (
    "no_budget",
    "no_need",
    "no_authority",
    "timing",
    "duplicate",
    "spam",
    "chose_competitor",
    "other",
)
SORTS = ("score", "created_at", "updated_at")


@dataclass(frozen=True)
class Factor:
    kind: str  # fit, engagement, predictive
    label: str
    points: Decimal


@dataclass(frozen=True)
class Score:
    score: int
    grade: str  # a..d, "" while unscored
    factors: tuple[Factor, ...] = ()

    def bars(self) -> list[tuple[Factor, int]]:
        """Each factor with its bar's width in percent of the largest one (negative factors
        draw the same width, the page marks their sign)."""
        largest = max((abs(f.points) for f in self.factors), default=Decimal(0))
        if not largest:
            return [(f, 0) for f in self.factors]
        return [(f, int(abs(f.points) * 100 / largest)) for f in self.factors]


@dataclass(frozen=True)
class Conversion:
    state: str  # requested, converting, converted, failed_retrying, failed, "" (none)
    attempts: int = 0
    last_error: str = ""
    opportunity_id: str = ""
    account_id: str = ""

    @property
    def pending(self) -> bool:
        return self.state in ("requested", "converting", "failed_retrying")


@dataclass(frozen=True)
class Lead:
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    company: str
    industry: str
    company_size: str
    country: str
    city: str
    channel: str
    status: str
    score: Score
    team_id: str
    owner_user_id: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    version: int
    sales_line_id: str = ""
    status_note: str = ""
    disqualification_reason: str = ""
    merged_into_lead_id: str = ""
    conversion: Conversion = field(default_factory=lambda: Conversion(state=""))

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or self.company

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Page:
    leads: tuple[Lead, ...]
    next_cursor: str = ""
    total: int = -1  # -1: the API did not count


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: dt.datetime | None
    actor: str
    action: str
    changes: tuple[tuple[str, str, str], ...]  # field, old, new
    note: str = ""


@dataclass(frozen=True)
class LeadActivity:
    """An event on a lead's timeline (leads' LeadActivity); a call, meeting or task logged on a
    deal is ``domain.deals.Activity``."""

    kind: str
    occurred_at: dt.datetime | None
    details: tuple[tuple[str, str], ...] = ()
