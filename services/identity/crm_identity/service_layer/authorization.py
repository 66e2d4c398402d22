"""Who is calling a use case, and the role checks (deny by default)."""
from __future__ import annotations

from crm_chassis.caller import SERVICE, SYSTEM, USER, require_authenticated  # noqa: F401
from crm_chassis.caller import Caller as BaseCaller
from crm_chassis.errors import PermissionDenied


class Caller(BaseCaller):
    """The chassis caller; identity's system caller (bootstrap, timers) may do what an admin may."""

    @classmethod
    def system(cls, component: str, roles: frozenset[str] = frozenset({"admin"})):
        return super().system(component, roles)


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
