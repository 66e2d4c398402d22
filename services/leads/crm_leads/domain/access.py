"""Who may see, work, change and assign which lead: the quarantine rules of the product.

A caller's :class:`Scope` comes from territory (ListScopes / user_access_changed): the teams
whose records they may see with their effective role in each -- EXPERT (a rep), SUPERVISOR or
MANAGER (also granted by managing an org unit above the team). Identity roles (an
administrator) grant nothing here: a person outside a team's scope does not see its leads.

Decisions, aligned with territory's AccessService actions:
- see a lead (READ): any role in its team;
- work it -- activities, status changes, conversion (RECORD_ACTIVITY): any role, so teammates
  work each other's leads;
- change its fields or merge it (UPDATE): an expert only on leads they own, supervisors and
  managers on any lead of the team;
- give it to another member (REASSIGN): supervisor or manager; an expert may claim an unowned
  lead of their team for themselves;
- hand it to another team (TRANSFER): manager of the lead's team.
Unroutable leads wait in the unassigned queue, owned by territory's designated queue team:
its members see them and place them into a team.

A lead outside the scope answers NOT_FOUND with the very message an unknown id gets, so ids
cannot be probed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_leads.domain.assignment import AssignmentMethod
from crm_leads.domain.lead import Lead


class TeamRole(enum.Enum):
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


LEADERS = frozenset({TeamRole.SUPERVISOR, TeamRole.MANAGER})


@dataclass(frozen=True)
class Scope:
    user_id: str
    teams: Mapping[str, TeamRole] = field(default_factory=dict)

    def role_in(self, team_id: str) -> TeamRole | None:
        return self.teams.get(team_id) if team_id else None

    def can_see(self, lead: Lead) -> bool:
        assignment = lead.assignment
        team = assignment.team_id or assignment.queue_team_id
        return bool(team) and team in self.teams

    @property
    def is_empty(self) -> bool:
        return not self.teams


def not_found(lead_id: str) -> NotFound:
    """The one answer for an unknown lead and a lead outside the caller's scope."""
    return NotFound(f"lead {lead_id} not found", field="lead_id")


def require_visible(scope: Scope, lead: Lead | None, lead_id: str) -> Lead:
    if lead is None or not scope.can_see(lead):
        raise not_found(lead_id)
    return lead


def require_workable(scope: Scope, lead: Lead | None, lead_id: str) -> Lead:
    lead = require_visible(scope, lead, lead_id)
    if not lead.assignment.team_id:
        raise PermissionDenied(
            f"lead {lead.id} is in the unassigned queue; assign it to a team before working on it"
        )
    return lead


def require_changeable(scope: Scope, lead: Lead | None, lead_id: str) -> Lead:
    """Field changes and merges: experts on their own leads, leaders on any of the team."""
    lead = require_workable(scope, lead, lead_id)
    role = scope.role_in(lead.assignment.team_id)
    if role is TeamRole.EXPERT and lead.assignment.owner_user_id != scope.user_id:
        raise PermissionDenied(
            f"lead {lead.id} is owned by someone else; as an expert you change "
            "the fields of your own leads (ask a supervisor, or claim it if "
            "it has no owner)"
        )
    return lead


def assignment_method(
    scope: Scope, lead: Lead, team_id: str, owner_user_id: str, team_members: frozenset[str]
) -> AssignmentMethod:
    """Decide whether the caller may give ``lead`` to team/owner, and how it is recorded.

    ``team_members`` are the active members of the target team (territory's view).
    """
    if not team_members:
        raise InvalidArgument(
            f"team {team_id} has no active member or does not exist; pick another team",
            field="team_id",
        )
    if owner_user_id and owner_user_id not in team_members:
        raise InvalidArgument(
            f"user {owner_user_id} is not a member of team {team_id}; pick an owner from that team",
            field="owner_user_id",
        )
    current_team = lead.assignment.team_id
    if not current_team:  # out of the unassigned queue, by a member of the queue team
        return AssignmentMethod.MANUAL
    role = scope.role_in(current_team)
    if team_id != current_team:
        if role is not TeamRole.MANAGER:
            raise PermissionDenied(
                "handing a lead to another team needs the manager role in its current team"
            )
        return AssignmentMethod.MANUAL
    if role in LEADERS:
        return AssignmentMethod.MANUAL
    if not lead.assignment.owner_user_id and owner_user_id == scope.user_id:
        return AssignmentMethod.CLAIMED
    raise PermissionDenied(
        "only a supervisor or manager of the team may reassign a lead; as an "
        "expert you may claim an unowned lead of your team for yourself"
    )
