"""Who is calling a use case, and the checks that do not depend on a lead (deny by default).

Lead visibility is not decided here but by the caller's territory scope (domain/access.py).
This module gates what comes before any lead is looked at: departments for campaigns, scoring
models and imports, and the narrow service roles (crm_chassis.service_roles) a service account
needs to capture leads or record activities. Being a service account grants nothing by itself,
and a service account's right is checked before any lookup, so a refusal tells nothing about
the records it names.
"""

from __future__ import annotations

from crm_chassis.caller import SERVICE, SYSTEM, Caller, require_authenticated
from crm_chassis.errors import PermissionDenied
from crm_chassis.service_roles import CAPTURE_LEADS, RECORD_LEAD_ACTIVITY

MARKETING, MANAGEMENT, SALES = "marketing", "management", "sales"
IMPORTING_DEPARTMENTS = (SALES, MARKETING, MANAGEMENT)


def _department_refusal(departments: tuple[str, ...], doing: str) -> PermissionDenied:
    return PermissionDenied(
        f"{doing} needs membership of the {' or '.join(departments)} department; an "
        f"administrator adds it with `crmctl users departments set <user> <departments...>` "
        f"(list the user's current departments too: the command replaces them)"
    )


def _service_role_refusal(role: str, doing: str) -> PermissionDenied:
    return PermissionDenied(
        f"{doing} as a service account needs the service role {role}; an administrator "
        f"creates the account with it: `crmctl service-accounts create <name> --role {role}`"
    )


def require_department(caller: Caller | None, *departments: str, doing: str) -> Caller:
    caller = require_authenticated(caller)
    if caller.kind == SYSTEM or caller.departments & set(departments):
        return caller
    raise _department_refusal(departments, doing)


def require_service_role(caller: Caller | None, role: str, *, doing: str) -> Caller:
    """A service account holds ``role`` or is refused; people and the platform pass."""
    caller = require_authenticated(caller)
    if caller.kind == SERVICE and not caller.has_role(role):
        raise _service_role_refusal(role, doing)
    return caller


def require_capturer(caller: Caller | None) -> Caller:
    """CreateLead: any person (the lead goes to routing); a service account with capture_leads."""
    return require_service_role(caller, CAPTURE_LEADS, doing="capturing leads")


def require_importer(caller: Caller | None) -> Caller:
    """ImportLeads: a person of sales, marketing or management; a service account with
    capture_leads (its departments count for nothing); the platform."""
    caller = require_authenticated(caller)
    if caller.kind == SERVICE:
        return require_service_role(caller, CAPTURE_LEADS, doing="importing leads")
    return require_department(caller, *IMPORTING_DEPARTMENTS, doing="importing leads")


def records_activity_by_id(caller: Caller | None) -> bool:
    """RecordLeadActivity: True when the caller may record on any lead by its id (a service
    account with record_lead_activity: marketing automation, the web site); False when the
    caller's scope decides (people). A service account without the role is refused here."""
    caller = require_service_role(caller, RECORD_LEAD_ACTIVITY, doing="recording lead activities")
    return caller.kind == SERVICE
