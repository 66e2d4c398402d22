"""Who calls a use case, and the authorisation checks the use cases apply.

The gRPC edge builds a :class:`Caller` from the verified token's principal
(:meth:`Caller.from_principal`); the worker uses :meth:`Caller.system`. Decisions are taken
here, not in adapters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis import caller as chassis_caller
from crm_chassis.errors import PermissionDenied

from crm_territory.domain.access import Scope
from crm_territory.domain.teams import TeamRole


@dataclass(frozen=True)
class Caller(chassis_caller.Caller):
    """The chassis caller (subject, kind, departments, roles) plus territory's reading of it.

    ``departments`` come from the token and are not used for decisions here: territory's own
    copy of each person (kept current from identity's events) decides access."""

    @property
    def user_id(self) -> str:
        return self.subject_id if self.kind == chassis_caller.USER else ""

    @property
    def is_service(self) -> bool:
        return self.kind in (chassis_caller.SERVICE, chassis_caller.SYSTEM)


def require_admin(caller: Caller, what: str) -> None:
    if caller.is_service or caller.is_admin:
        return
    raise PermissionDenied(f"{what} needs the admin role")


def require_service(caller: Caller, what: str) -> None:
    if not caller.is_service:
        raise PermissionDenied(f"{what} is for service accounts only")


def require_team_role(uow, caller: Caller, team_id: str, role: TeamRole, what: str,
                      at: dt.datetime) -> None:
    """Admins and services pass; a user needs ``role`` (or higher) on the team."""
    if caller.is_service or caller.is_admin:
        return
    if has_team_role(uow, caller, team_id, role, at):
        return
    raise PermissionDenied(f"{what} needs the admin role or the {role.name.lower()} role on the "
                           "team")


def has_team_role(uow, caller: Caller, team_id: str, role: TeamRole, at: dt.datetime) -> bool:
    from crm_territory.service_layer.access_state import scopes_of  # avoids an import cycle
    scope: Scope | None = next((s for s in scopes_of(uow, caller.user_id, at)
                                if s.team_id == team_id), None)
    return scope is not None and scope.role >= role
