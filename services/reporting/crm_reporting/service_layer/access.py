"""Who may see which figures: territory's rules, read from the local access replica.

- ``view_reports`` (territory): a supervisor or manager of a team, or a manager of a unit above
  it (the replica shows them as the team's manager), may report on the team; an expert may not.
- team: the caller reports on the team;
- unit: the caller reports on every team of the unit's subtree (a unit manager; a sibling unit's
  manager sees nothing of it);
- sales line: the line's deals in the teams the caller reports on;
- company: the caller reports on every active team (management above the whole organisation);
- person: the person's own figures (anyone, over the teams they are in), or a person who is a
  member of a team the caller reports on (the person's deals in the teams the caller reports on).

An administrator or a service account that is not a member sees nothing. A person, team or unit
the caller may not report on answers NOT_FOUND exactly like an unknown id; a caller who may
report on no team at all is told so (PERMISSION_DENIED) whatever id they ask for.
"""

from __future__ import annotations

from crm_chassis.caller import USER, Caller, require_authenticated
from crm_chassis.errors import NotFound, PermissionDenied
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.domain.structure import subtree_teams
from crm_reporting.service_layer.ports import DealFilter, ReportStore, ScopeReader

REPORTING_ROLES = frozenset({"supervisor", "manager"})
NO_REPORTS = (
    "you may view the reports of no team: territory's view_reports right belongs to the "
    "supervisors and managers of a team and the managers of the units above it"
)


def deal_filter(
    caller: Caller | None, scope: Scope, scopes: ScopeReader, store: ReportStore
) -> DealFilter:
    """The deals ``caller`` may see for ``scope``, or NOT_FOUND / PERMISSION_DENIED."""
    caller = require_authenticated(caller)
    roles = scopes.roles_by_team(caller.subject_id) if caller.kind == USER else {}
    reporting = frozenset(team for team, role in roles.items() if role in REPORTING_ROLES)
    line = scope.id if scope.kind is ScopeKind.SALES_LINE else scope.sales_line_id
    if scope.kind is ScopeKind.PERSON and scope.id == caller.subject_id and roles:
        return DealFilter(frozenset(roles), scope.id, line)
    if not reporting:
        raise PermissionDenied(NO_REPORTS)
    if scope.kind is ScopeKind.PERSON:
        if not any(scope.id == user for team in reporting for user, _ in scopes.members(team)):
            raise NotFound(f"person {scope.id!r} not found", field="scope.id")
        return DealFilter(reporting, scope.id, line)
    if scope.kind is ScopeKind.TEAM:
        if scope.id not in reporting:
            raise NotFound(f"team {scope.id!r} not found", field="scope.id")
        return DealFilter(frozenset({scope.id}), "", line)
    if scope.kind is ScopeKind.UNIT:
        org = store.org()
        teams = subtree_teams(scope.id, org.unit_parents, org.team_units)
        if not teams or not teams <= reporting:
            raise NotFound(f"unit {scope.id!r} not found", field="scope.id")
        return DealFilter(frozenset(teams), "", line)
    if scope.kind is ScopeKind.SALES_LINE:
        return DealFilter(reporting, "", line)
    org = store.org()
    if not org.active_teams or not org.active_teams <= reporting:
        raise PermissionDenied(
            "company figures need the view_reports right over every team (a manager of the "
            "top units); ask for a unit, team or sales line you report on instead"
        )
    return DealFilter(frozenset(org.team_units) | reporting, "", line)
