"""Access decisions: which teams' records a person sees, with which role, and what they may do.

Deny by default. A person's scopes come from their active memberships (their role in the team)
and from the units they manage (manager of every team in the unit's subtree, including
deactivated teams, whose records still exist). Nothing
else grants access: being an administrator does not, and neither does being a manager of a
sibling unit. A deactivated person, an unknown person and a person in no department have no
scope at all.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from crm_territory.domain.org import OrgUnit, subtree_ids
from crm_territory.domain.people import Person
from crm_territory.domain.teams import Membership, Team, TeamRole


class Action(enum.Enum):
    READ = "read"  # see the record and its history
    RECORD_ACTIVITY = "record_activity"  # log a call, meeting, note (covering for a teammate)
    UPDATE = "update"  # change fields; an expert only on records they own
    REASSIGN = "reassign"  # give the record to another member of the team
    TRANSFER = "transfer"  # hand the record to another team
    DELETE = "delete"
    VIEW_REPORTS = "view_reports"  # the team's KPIs and dashboards


MINIMUM_ROLE = {
    Action.READ: TeamRole.EXPERT,
    Action.RECORD_ACTIVITY: TeamRole.EXPERT,
    Action.UPDATE: TeamRole.EXPERT,  # plus ownership for experts, see decide()
    Action.REASSIGN: TeamRole.SUPERVISOR,
    Action.TRANSFER: TeamRole.MANAGER,
    Action.DELETE: TeamRole.MANAGER,
    Action.VIEW_REPORTS: TeamRole.SUPERVISOR,
}


class Via(enum.Enum):
    MEMBERSHIP = "membership"
    UNIT_MANAGER = "unit_manager"


@dataclass(frozen=True)
class Scope:
    team_id: str
    role: TeamRole
    via: Via
    unit_id: str = ""  # the managed unit, when via UNIT_MANAGER


class DenyReason(enum.Enum):
    UNKNOWN_USER = "unknown_user"
    DEACTIVATED = "deactivated"
    NO_DEPARTMENT = "no_department"
    NOT_IN_SCOPE = "not_in_scope"
    ROLE_TOO_LOW = "role_too_low"
    NOT_OWNER = "not_owner"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reason: str  # human-readable, safe to log
    deny_reason: DenyReason | None = None
    scope: Scope | None = None


def compute_scopes(
    person: Person | None,
    memberships: list[Membership],
    teams: dict[str, Team],
    units: dict[str, OrgUnit],
    at: dt.datetime,
) -> list[Scope]:
    """Scopes of ``person`` at ``at``; one per team, the strongest grant kept."""
    if person is None or not person.active or not person.departments:
        return []
    best: dict[str, Scope] = {}

    def offer(scope: Scope) -> None:
        held = best.get(scope.team_id)
        if held is None or scope.role > held.role:
            best[scope.team_id] = scope

    for m in memberships:
        team = teams.get(m.team_id)
        if m.user_id == person.user_id and team and team.active and m.is_active(at):
            offer(Scope(team.id, m.role, Via.MEMBERSHIP))
    # Managers of an active unit keep seeing deactivated teams below it: their records (and
    # history) still exist and somebody must be able to answer for them.
    managed = [u for u in units.values() if person.user_id in u.manager_user_ids and u.active]
    for unit in managed:
        below = subtree_ids(unit.id, units)
        for team in teams.values():
            if team.unit_id in below:
                offer(Scope(team.id, TeamRole.MANAGER, Via.UNIT_MANAGER, unit.id))
    return sorted(best.values(), key=lambda s: s.team_id)


def decide(
    person: Person | None,
    scopes: list[Scope],
    action: Action,
    team_id: str,
    record_owner_id: str = "",
) -> AccessDecision:
    if person is None:
        return AccessDecision(False, "unknown user", DenyReason.UNKNOWN_USER)
    if not person.active:
        return AccessDecision(False, "user is deactivated", DenyReason.DEACTIVATED)
    if not person.departments:
        return AccessDecision(False, "user belongs to no department", DenyReason.NO_DEPARTMENT)
    scope = next((s for s in scopes if s.team_id == team_id), None)
    if scope is None:
        return AccessDecision(
            False, "user has no access to this team's records", DenyReason.NOT_IN_SCOPE
        )
    needed = MINIMUM_ROLE[action]
    if scope.role < needed:
        return AccessDecision(
            False,
            f"{action.value} needs the {needed.name.lower()} role; user "
            f"is {scope.role.name.lower()}",
            DenyReason.ROLE_TOO_LOW,
            scope,
        )
    if (
        action is Action.UPDATE
        and scope.role is TeamRole.EXPERT
        and record_owner_id
        and record_owner_id != person.user_id
    ):
        return AccessDecision(
            False,
            "an expert may update only records they own; record "
            "activity on a teammate's record instead",
            DenyReason.NOT_OWNER,
            scope,
        )
    via = (
        ("as manager of unit " + scope.unit_id)
        if scope.via is Via.UNIT_MANAGER
        else f"as {scope.role.name.lower()} of the team"
    )
    return AccessDecision(True, f"{action.value} allowed {via}", None, scope)
