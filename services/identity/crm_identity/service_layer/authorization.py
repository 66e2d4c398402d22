"""The role checks on the caller of a use case (deny by default)."""

from __future__ import annotations

from crm_chassis.caller import SERVICE, USER, Caller, require_authenticated
from crm_chassis.errors import PermissionDenied
from crm_chassis.service_roles import READ_USERS

ADMIN = "admin"


def require_admin(caller: Caller | None) -> Caller:
    caller = require_authenticated(caller)
    if ADMIN not in caller.roles:
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
        raise PermissionDenied(
            f"service account {caller.subject_id} lacks the {READ_USERS!r} "
            "role needed to read users; an administrator grants it with "
            f"`crmctl service-accounts set-roles {caller.subject_id} "
            f"--role {READ_USERS}`"
        )
    return caller
