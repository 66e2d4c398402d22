"""Who is calling a use case, and the department checks (deny by default).

Lead visibility is not decided here but by the caller's territory scope (domain/access.py);
this module only gates the non-team data: campaigns and scoring models.
"""
from __future__ import annotations

from crm_chassis.caller import SERVICE, SYSTEM, USER, Caller, require_authenticated  # noqa: F401
from crm_chassis.errors import PermissionDenied

MARKETING, MANAGEMENT, SALES = "marketing", "management", "sales"


def require_department(caller: Caller | None, *departments: str, doing: str) -> Caller:
    caller = require_authenticated(caller)
    if caller.kind == SYSTEM or caller.departments & set(departments):
        return caller
    raise PermissionDenied(f"{doing} needs membership of the {' or '.join(departments)} "
                           "department")
