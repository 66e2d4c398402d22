"""Behavioural activities of a lead (what feeds engagement scoring)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from crm_chassis.errors import ValidationErrors
from crm_leads.domain.values import enum_names

MAX_DETAILS = 20
# Activities may come from tools whose clocks run a little ahead of ours.
CLOCK_SKEW = dt.timedelta(minutes=5)


class ActivityKind(enum.Enum):
    EMAIL_OPENED = "email_opened"
    LINK_CLICKED = "link_clicked"
    PAGE_VISITED = "page_visited"
    FORM_SUBMITTED = "form_submitted"
    DEMO_REQUESTED = "demo_requested"
    EVENT_ATTENDED = "event_attended"
    CONTENT_DOWNLOADED = "content_downloaded"


@dataclass(frozen=True)
class Activity:
    id: str
    lead_id: str
    kind: ActivityKind
    occurred_at: dt.datetime
    details: dict[str, str] = field(default_factory=dict)


def build_activity(
    *,
    activity_id: str,
    lead_id: str,
    kind: str | ActivityKind,
    occurred_at: dt.datetime | None,
    details: dict[str, str] | None,
    now: dt.datetime,
) -> Activity:
    problems: list[tuple[str, str]] = []
    activity_id = (activity_id or "").strip()
    if not 1 <= len(activity_id) <= 200:
        problems.append(
            (
                "activity.id",
                "is required (1..200 characters): the id your tool gives "
                "the activity, so a retry is not counted twice",
            )
        )
    parsed_kind = kind if isinstance(kind, ActivityKind) else None
    if parsed_kind is None:
        try:
            parsed_kind = ActivityKind(str(kind or "").strip().lower())
        except ValueError:
            problems.append(
                (
                    "activity.kind",
                    f"'{kind}' is not an activity kind; use one of {enum_names(ActivityKind)}",
                )
            )
    if occurred_at is None:
        occurred_at = now
    elif occurred_at.tzinfo is None:
        problems.append(("activity.occurred_at", "has no time zone; give it in UTC"))
    elif occurred_at > now + CLOCK_SKEW:
        problems.append(("activity.occurred_at", f"{occurred_at.isoformat()} is in the future"))
    details = dict(details or {})
    if len(details) > MAX_DETAILS:
        problems.append(("activity.details", f"has {len(details)} entries; at most {MAX_DETAILS}"))
    for key, value in details.items():
        if not key or len(key) > 64 or len(str(value)) > 500:
            problems.append(
                (f"activity.details.{key}", "keys need 1..64 and values at most 500 characters")
            )
    if problems or parsed_kind is None:
        raise ValidationErrors(problems)
    return Activity(
        activity_id, lead_id, parsed_kind, occurred_at, {str(k): str(v) for k, v in details.items()}
    )
