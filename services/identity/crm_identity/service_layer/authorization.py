"""Who is calling a use case, and the role checks (deny by default)."""
from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_chassis.errors import PermissionDenied, Unauthenticated

USER = "user"
SERVICE = "service"
SYSTEM = "system"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal as the use cases see it (mapped from the access token)."""

    subject_id: str
    kind: str = USER
    roles: frozenset[str] = frozenset()
    display_name: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject_id, kind=self.kind, display_name=self.display_name)

    @classmethod
    def system(cls, component: str) -> "Caller":
        """The platform itself (bootstrap, timers): may do what an admin may."""
        return cls(subject_id=component, kind=SYSTEM, roles=frozenset({"admin"}),
                   display_name=component)


def require_authenticated(caller: Caller | None) -> Caller:
    if caller is None or not caller.subject_id:
        raise Unauthenticated("this call needs an access token: send `authorization: Bearer "
                              "<token>` (obtain one with AuthService.Login)")
    return caller


def require_admin(caller: Caller | None) -> Caller:
    caller = require_authenticated(caller)
    if "admin" not in caller.roles:
        raise PermissionDenied("this call requires the admin role")
    return caller


def require_user(caller: Caller | None) -> Caller:
    caller = require_authenticated(caller)
    if caller.kind != USER:
        raise PermissionDenied("only a user (not a service account) can do this")
    return caller
