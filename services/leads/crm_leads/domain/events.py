"""Domain events a lead records as it changes; the service layer turns them into the protobuf
event messages of crm.leads.v1 and emits them through the unit of work (the outbox).

Each carries ``lead``: a snapshot of the lead right after that change, so its version is the
event's aggregate version even when one use case causes several changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from crm_leads.domain.history import FieldChange
    from crm_leads.domain.lead import Lead


@dataclass(frozen=True)
class LeadEvent:
    lead: Lead

    event_type = ""


@dataclass(frozen=True)
class LeadCreated(LeadEvent):
    event_type = "lead_created"


@dataclass(frozen=True)
class LeadUpdated(LeadEvent):
    changes: tuple[FieldChange, ...] = ()
    event_type = "lead_updated"


@dataclass(frozen=True)
class LeadScored(LeadEvent):
    previous_score: int = 0
    previous_grade: Any = None
    event_type = "lead_scored"


@dataclass(frozen=True)
class LeadAssigned(LeadEvent):
    previous_team_id: str = ""
    previous_owner_user_id: str = ""
    event_type = "lead_assigned"


@dataclass(frozen=True)
class LeadStatusChanged(LeadEvent):
    previous_status: Any = None
    note: str = ""
    event_type = "lead_status_changed"


@dataclass(frozen=True)
class LeadQualified(LeadEvent):
    event_type = "lead_qualified"


@dataclass(frozen=True)
class LeadDisqualified(LeadEvent):
    event_type = "lead_disqualified"


@dataclass(frozen=True)
class LeadConversionRequested(LeadEvent):
    event_type = "lead_conversion_requested"


@dataclass(frozen=True)
class LeadConversionFailed(LeadEvent):
    event_type = "lead_conversion_failed"


@dataclass(frozen=True)
class LeadConverted(LeadEvent):
    event_type = "lead_converted"


@dataclass(frozen=True)
class LeadMerged(LeadEvent):
    merged: Lead | None = None
    event_type = "lead_merged"
