"""Who calls a use case, and the authorisation checks the use cases apply.

The gRPC edge builds a :class:`Caller` from the verified token's principal
(:meth:`Caller.from_principal`: a person or a service account, never the platform itself); the
worker uses :meth:`Caller.system` for the actor of the events it publishes. Decisions are taken
here, not in adapters.

Least privilege: being a service account grants nothing. Structure, membership, routing-rule,
sales-line and target writes need a *person* with the admin role or the team role named; a
service account gets exactly the narrow rights of the service roles it holds
(``crm_chassis.service_roles``), checked by :func:`require_service_role`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Self

from crm_chassis import caller as chassis_caller
from crm_chassis.errors import PermissionDenied, Unauthenticated
from crm_territory.domain.access import Scope
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

_SERVICE_REFUSED = (
    "; a service account cannot do it (no service role grants it), sign in as a "
    "person with that role"
)


@dataclass(frozen=True)
class Caller(chassis_caller.Caller):
    """The chassis caller (subject, kind, departments, roles) plus territory's reading of it.

    ``departments`` come from the token and are not used for decisions here: territory's own
    copy of each person (kept current from identity's events) decides access."""

    @classmethod
    def from_principal(cls, principal: Any) -> Self:
        """A token names a person or a service account; anything else is refused, so no token
        can act as the platform itself (kind ``system``)."""
        if principal.kind not in (chassis_caller.USER, chassis_caller.SERVICE):
            raise Unauthenticated(
                f"access token of kind {principal.kind!r} is not accepted: "
                "sign in as a person or a service account"
            )
        return super().from_principal(principal)

    @property
    def user_id(self) -> str:
        return self.subject_id if self.kind == chassis_caller.USER else ""

    @property
    def is_person(self) -> bool:
        return self.kind == chassis_caller.USER

    @property
    def is_service_account(self) -> bool:
        return self.kind == chassis_caller.SERVICE

    @property
    def is_admin(self) -> bool:
        """A person with the admin role; a service account holding the name grants nothing."""
        return self.is_person and "admin" in self.roles

    def holds_service_role(self, role: str) -> bool:
        """A service account granted ``role`` (a name of ``crm_chassis.service_roles``)."""
        return self.is_service_account and self.has_role(role)


def require_admin(caller: Caller, what: str) -> None:
    if caller.is_admin:
        return
    needed = f"{what} needs a person with the admin role (granted in identity by an admin)"
    raise PermissionDenied(needed + (_SERVICE_REFUSED if caller.is_service_account else ""))


def require_service_role(caller: Caller, role: str, what: str) -> None:
    """Only a service account holding ``role`` passes."""
    if caller.holds_service_role(role):
        return
    raise PermissionDenied(
        f"{what} is for service accounts holding the {role!r} service role "
        "(an identity admin grants it to the service account)"
    )


def require_team_role(
    uow: TerritoryUnitOfWork,
    caller: Caller,
    team_id: str,
    role: TeamRole,
    what: str,
    at: dt.datetime,
) -> None:
    """A person who is admin or holds ``role`` (or higher) on the team; no service account."""
    if caller.is_admin or has_team_role(uow, caller, team_id, role, at):
        return
    needed = (
        f"{what} needs a person with the admin role or the {role.name.lower()} role on the team"
    )
    raise PermissionDenied(needed + (_SERVICE_REFUSED if caller.is_service_account else ""))


def has_team_role(
    uow: TerritoryUnitOfWork, caller: Caller, team_id: str, role: TeamRole, at: dt.datetime
) -> bool:
    from crm_territory.service_layer.access_state import scopes_of  # avoids an import cycle

    scope: Scope | None = next(
        (s for s in scopes_of(uow, caller.user_id, at) if s.team_id == team_id), None
    )
    return scope is not None and scope.role >= role
