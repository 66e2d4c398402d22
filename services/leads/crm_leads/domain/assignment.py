"""Team and owner of a lead, and how territory's routing decisions are applied to it.

Routing is territory's decision (lead_created -> lead_routed | lead_unroutable); leads only
applies it, exactly once per decision, and keeps its explanation. A person's decision wins over
the router's: once someone assigned, claimed or handed a lead over, later routing decisions for
it are ignored, and so is a decision older than the one already applied (out-of-order delivery).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class AssignmentMethod(enum.Enum):
    NONE = ""
    ROUTED = "routed"
    UNROUTABLE = "unroutable"  # waits in the unassigned queue
    MANUAL = "manual"  # a supervisor, manager or queue-team member chose
    CLAIMED = "claimed"  # a member took an unowned lead of their team
    HANDOVER = "handover"  # the owner left the team


PERSON_DECIDED = frozenset(
    {AssignmentMethod.MANUAL, AssignmentMethod.CLAIMED, AssignmentMethod.HANDOVER}
)


@dataclass(frozen=True)
class Assignment:
    team_id: str = ""
    owner_user_id: str = ""
    method: AssignmentMethod = AssignmentMethod.NONE
    explanation: str = ""
    assigned_at: dt.datetime | None = None
    decision_id: str = ""  # territory's routing decision, for idempotency
    decided_at: dt.datetime | None = None  # when territory decided, for ordering
    queue_team_id: str = ""  # unroutable: the team working the unassigned queue

    @property
    def in_unassigned_queue(self) -> bool:
        return not self.team_id


@dataclass(frozen=True)
class RoutingDecision:
    """What territory decided for one lead (lead_routed, or lead_unroutable when ``team_id`` is
    empty; then ``queue_team_id`` names the team working the unassigned queue)."""

    decision_id: str
    lead_id: str
    decided_at: dt.datetime
    sales_line_id: str = ""
    team_id: str = ""
    owner_user_id: str = ""
    explanation: str = ""
    queue_team_id: str = ""

    @property
    def routable(self) -> bool:
        return bool(self.team_id)


def routing_outcome(
    current: Assignment, decision: RoutingDecision, now: dt.datetime
) -> Assignment | None:
    """The assignment ``decision`` leads to, or None when it must be ignored."""
    if decision.decision_id and decision.decision_id == current.decision_id:
        return None  # redelivery of the decision already applied
    if current.method in PERSON_DECIDED:
        return None
    if current.decided_at is not None and decision.decided_at < current.decided_at:
        return None
    method = AssignmentMethod.ROUTED if decision.routable else AssignmentMethod.UNROUTABLE
    if decision.routable:
        return Assignment(
            decision.team_id,
            decision.owner_user_id,
            method,
            decision.explanation,
            now,
            decision.decision_id,
            decision.decided_at,
        )
    return Assignment(
        "",
        "",
        method,
        decision.explanation,
        now,
        decision.decision_id,
        decision.decided_at,
        decision.queue_team_id,
    )
