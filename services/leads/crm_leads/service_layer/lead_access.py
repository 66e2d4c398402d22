"""Loading a lead within the caller's scope (visibility decided by the domain's access rules)."""

from __future__ import annotations

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import InvalidArgument
from crm_leads.domain import access
from crm_leads.domain.access import Scope
from crm_leads.domain.lead import Lead
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


def scope_of(deps: Dependencies, caller: Caller | None) -> Scope:
    caller = require_authenticated(caller)
    return deps.scopes.scope_of(caller.subject_id)


def lead_id_of(lead_id: str) -> str:
    lead_id = (lead_id or "").strip()
    if not lead_id:
        raise InvalidArgument("lead_id is required", field="lead_id")
    return lead_id


def visible_lead(
    uow: LeadsUnitOfWork, scope: Scope, lead_id: str, *, for_update: bool = True
) -> Lead:
    """The lead if the caller may see it; reads that change nothing pass ``for_update=False``
    (no row lock: they neither wait for a writer nor make one wait)."""
    lead_id = lead_id_of(lead_id)
    return access.require_visible(scope, uow.leads.get(lead_id, for_update=for_update), lead_id)


def workable_lead(uow: LeadsUnitOfWork, scope: Scope, lead_id: str) -> Lead:
    lead_id = lead_id_of(lead_id)
    return access.require_workable(scope, uow.leads.get(lead_id), lead_id)


def changeable_lead(uow: LeadsUnitOfWork, scope: Scope, lead_id: str) -> Lead:
    lead_id = lead_id_of(lead_id)
    return access.require_changeable(scope, uow.leads.get(lead_id), lead_id)
