"""Who is calling a use case, and the role checks (deny by default)."""
from __future__ import annotations

from crm_chassis.caller import SERVICE, SYSTEM, USER, require_authenticated  # noqa: F401
from crm_chassis.caller import Caller as BaseCaller
from crm_chassis.errors import PermissionDenied
from crm_chassis.service_roles import READ_USERS


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


def require_directory_reader(caller: Caller | None) -> Caller:
    """Reading the user directory (GetUser, ListUsers): any person; a service account only with
    the read_users role (being a service grants nothing by itself)."""
    caller = require_authenticated(caller)
    if caller.kind == SERVICE and not caller.has_role(READ_USERS):
        raise PermissionDenied(f"service account {caller.subject_id} lacks the {READ_USERS!r} "
                               "role needed to read users; an administrator grants it with "
                               f"`crmctl service-accounts set-roles {caller.subject_id} "
                               f"--role {READ_USERS}`")
    return caller
