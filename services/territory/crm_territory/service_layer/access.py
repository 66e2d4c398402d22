"""Use cases of access decisions: CheckAccess and ListScopes."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_chassis.service_roles import CHECK_ACCESS
from crm_territory.domain.access import AccessDecision, Action, Scope, decide
from crm_territory.domain.people import Person
from crm_territory.service_layer.access_state import scopes_of
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class UserScopes:
    user_id: str
    scopes: list[Scope]
    access_version: int
    active: bool


def _may_ask_about(caller: Caller, user_id: str, *, admin_allowed: bool) -> None:
    """A person about themselves; a service account holding ``check_access`` about anyone;
    for ListScopes also an admin (scopes name teams, not records)."""
    if (
        caller.user_id == user_id
        or caller.holds_service_role(CHECK_ACCESS)
        or (admin_allowed and caller.is_admin)
    ):
        return
    if caller.is_service_account:
        raise PermissionDenied(
            "asking about another user's access is for service accounts "
            f"holding the {CHECK_ACCESS!r} service role (an identity admin "
            "grants it to the service account)"
        )
    raise PermissionDenied(
        "you may ask only about your own access"
        + ("" if not admin_allowed else " (an admin may list anyone's scopes)")
    )


def check_access(
    deps: Dependencies,
    caller: Caller,
    *,
    user_id: str,
    action: Action | None,
    team_id: str,
    record_owner_id: str = "",
) -> AccessDecision:
    if not user_id:
        raise InvalidArgument("user_id must not be empty", field="user_id")
    if not team_id:
        raise InvalidArgument("team_id must not be empty", field="team_id")
    if action is None:
        raise InvalidArgument(
            "action must be set (read, record_activity, update, reassign, "
            "transfer, delete, view_reports)",
            field="action",
        )
    _may_ask_about(caller, user_id, admin_allowed=False)
    with deps.uow() as uow:
        person: Person | None = uow.people.get(user_id)
        return decide(
            person, scopes_of(uow, user_id, deps.clock.now()), action, team_id, record_owner_id
        )


def list_scopes(deps: Dependencies, caller: Caller, *, user_id: str) -> UserScopes:
    if not user_id:
        raise InvalidArgument("user_id must not be empty", field="user_id")
    _may_ask_about(caller, user_id, admin_allowed=True)
    with deps.uow() as uow:
        person = uow.people.get(user_id)
        scopes = scopes_of(uow, user_id, deps.clock.now())
        return UserScopes(
            user_id, scopes, person.access_version if person else 0, bool(person and person.active)
        )
