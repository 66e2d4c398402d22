"""Who may read routing decisions and the unassigned queue (the quarantine of lead data).

A routing decision names a lead and where it went; the unassigned queue lists leads nobody owns
yet. Both are readable only by those who may assign the lead — the rights leads applies to
AssignLead:

- a routed lead's decision: a supervisor or manager of the team it was routed to (they reassign
  within the team), including managers of a unit above it (their scope is manager);
- a queued lead's decision (outcome unroutable): a member of the queue team it was placed in,
  any role, including managers of a unit above it (they place leads from the queue);
- a service account holding ``route_leads``.

Nobody else — an admin in no team included — learns that a decision exists: an unreadable
decision answers NOT_FOUND exactly like an unknown lead id, and the queue lists only the entries
of queue teams the caller belongs to. The answers themselves carry only what assigning needs
(adapters/grpc_mapping.py ``stored_decision``).
"""

from __future__ import annotations

import datetime as dt

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_chassis.service_roles import ROUTE_LEADS
from crm_territory.domain.routing import Outcome, RoutingDecision
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer.access_state import scopes_of
from crm_territory.service_layer.caller import Caller, require_service_role
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def role_to_read(decision: RoutingDecision) -> TeamRole:
    """Queued leads are placed by any member of the queue team; routed ones are reassigned by
    the team's supervisors and managers."""
    return TeamRole.EXPERT if decision.outcome is Outcome.UNROUTABLE else TeamRole.SUPERVISOR


def not_found(lead_id: str) -> NotFound:
    """The one answer for an unknown lead and a decision the caller may not read."""
    return NotFound(f"no routing decision for lead {lead_id!r}", field="lead_id")


def _team_role(
    uow: TerritoryUnitOfWork, caller: Caller, team_id: str, at: dt.datetime
) -> TeamRole | None:
    scope = next((s for s in scopes_of(uow, caller.user_id, at) if s.team_id == team_id), None)
    return scope.role if scope is not None else None


def may_read(
    uow: TerritoryUnitOfWork, caller: Caller, decision: RoutingDecision, at: dt.datetime
) -> bool:
    if caller.is_service_account:
        return caller.holds_service_role(ROUTE_LEADS)
    role = _team_role(uow, caller, decision.team_id, at)
    return role is not None and role >= role_to_read(decision)


def _refuse_service_without_route_leads(caller: Caller, what: str) -> None:
    if caller.is_service_account:
        require_service_role(caller, ROUTE_LEADS, what)


def readable_decision(
    uow: TerritoryUnitOfWork,
    caller: Caller,
    lead_id: str,
    at: dt.datetime,
    what: str = "reading routing decisions",
) -> RoutingDecision:
    """The decision for ``lead_id`` if the caller may read it; NOT_FOUND otherwise."""
    _refuse_service_without_route_leads(caller, what)
    decision = uow.decisions.get(lead_id) if lead_id else None
    if decision is None or not may_read(uow, caller, decision, at):
        raise not_found(lead_id)
    return decision


def readable_queue_teams(
    uow: TerritoryUnitOfWork, caller: Caller, at: dt.datetime
) -> frozenset[str] | None:
    """The queue teams whose entries the caller may list; None: every one (a service account
    holding route_leads). A person in no team gets the empty set."""
    _refuse_service_without_route_leads(caller, "listing the unassigned queue")
    if caller.is_service_account:
        return None
    return frozenset(s.team_id for s in scopes_of(uow, caller.user_id, at))


def retryable_decision(
    uow: TerritoryUnitOfWork, caller: Caller, lead_id: str, at: dt.datetime
) -> RoutingDecision:
    """The queued decision a caller may route again: a supervisor or manager of its queue team,
    or a service account holding route_leads."""
    if not lead_id:
        raise InvalidArgument("lead_id must not be empty", field="lead_id")
    decision = readable_decision(uow, caller, lead_id, at, what="retrying routing")
    if caller.is_person:
        role = _team_role(uow, caller, decision.team_id, at)
        if role is None or role < TeamRole.SUPERVISOR:
            raise PermissionDenied(
                "retrying routing needs the supervisor or manager role on the "
                "queue team the lead waits in; ask one of them"
            )
    return decision
