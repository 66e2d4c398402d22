"""What reporting keeps of each consumed event: plain values, translated from the producers'
messages by the adapters, so the projections below never see a protobuf.

A ``RecordedEvent`` is one event as reporting stored it (its own copy, kept forever): the
metadata, the business values reporting needs (``payload``) and the producer's JSON body (opaque
here; the event store keeps it so a rebuild can translate it again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from crm_chassis.exchange import Rate


@dataclass(frozen=True)
class DealSnapshot:
    """A deal as one of deals' events shows it after the change (deals sends whole snapshots)."""

    id: str
    team_id: str
    owner_user_id: str
    sales_line_id: str
    pipeline_id: str
    stage_key: str
    status: str  # "open", "won", "lost"
    currency: str
    estimated_revenue: Decimal | None
    actual_revenue: Decimal | None
    probability: int
    forecast_category: str  # "pipeline", "best_case", "commit", "" (closed)
    estimated_close_date: dt.date | None
    created_at: dt.datetime
    stage_entered_at: dt.datetime | None
    closed_at: dt.datetime | None
    actual_close_date: dt.date | None = None
    lost_reason: str = ""
    lost_competitor: str = ""
    campaign_id: str = ""
    originating_lead_id: str = ""
    # For the marketing KPIs: the account (customers), and (product id, line total) of the
    # deal's priced lines (revenue by product).
    account_id: str = ""
    lines: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class ActivitySnapshot:
    """A call, e-mail, meeting, note or task as deals' activity events show it."""

    id: str
    team_id: str
    owner_user_id: str
    kind: str  # "call", "email", "meeting", "note", "task"
    occurred_at: dt.datetime | None
    due_at: dt.datetime | None
    done_at: dt.datetime | None


@dataclass(frozen=True)
class StageDefinition:
    key: str
    name: str
    expected_days: int
    default_probability: int
    forecast_category: str


@dataclass(frozen=True)
class PipelineSnapshot:
    id: str
    sales_line_id: str
    stages: tuple[StageDefinition, ...]


@dataclass(frozen=True)
class OrgUnitSnapshot:
    id: str
    parent_id: str
    deleted: bool = False


@dataclass(frozen=True)
class TeamSnapshot:
    id: str
    unit_id: str
    active: bool = True
    deleted: bool = False


@dataclass(frozen=True)
class TargetValue:
    sales_line_id: str
    team_id: str
    period: str
    amount: Decimal
    currency: str
    deal_count: int


@dataclass(frozen=True)
class TargetsSnapshot:
    """Every target of one sales line in one period after a change."""

    sales_line_id: str
    period: str
    targets: tuple[TargetValue, ...]


@dataclass(frozen=True)
class LeadState:
    """A lead as one of leads' events shows it (marketing KPIs; domain/marketing/derive.py)."""

    id: str
    team_id: str
    sales_line_id: str
    channel: str
    campaign_id: str
    status: str  # "new", "working", "qualified", "disqualified", "converted", ...
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    opportunity_id: str
    # False for lead_assigned / lead_status_changed, which carry the team (and the status) but
    # not the whole lead: their other fields are empty.
    complete: bool = True


@dataclass(frozen=True)
class CampaignState:
    id: str
    name: str
    channel: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    cost: Decimal
    currency: str


@dataclass(frozen=True)
class AccountState:
    id: str
    team_id: str
    customer_since: dt.datetime | None
    churned_at: dt.datetime | None


Payload = (
    DealSnapshot
    | ActivitySnapshot
    | PipelineSnapshot
    | OrgUnitSnapshot
    | TeamSnapshot
    | TargetsSnapshot
    | LeadState
    | CampaignState
    | AccountState
    | Rate  # catalog's exchange rates (domain/conversion.py)
)


@dataclass(frozen=True)
class RecordedEvent:
    event_id: str
    source: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    occurred_at: dt.datetime
    payload: Payload
    body: str = field(default="", compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """The read model the event feeds: (aggregate type, aggregate id)."""
        return (self.aggregate_type, self.aggregate_id)
