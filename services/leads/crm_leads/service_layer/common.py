"""Helpers the use cases share: loading a lead within the caller's scope, scoring it."""
from __future__ import annotations

import datetime as dt

from crm_chassis.errors import InvalidArgument

from crm_leads.domain import access
from crm_leads.domain.access import Scope
from crm_leads.domain.lead import Lead
from crm_leads.domain.scoring import engine
from crm_leads.domain.scoring.rules import ScoringModel
from crm_leads.service_layer.authorization import Caller, require_authenticated
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


def visible_lead(uow: LeadsUnitOfWork, scope: Scope, lead_id: str, *,
                 for_update: bool = True) -> Lead:
    """The lead if the caller may see it; reads that change nothing pass ``for_update=False``
    (no row lock: they neither wait for a writer nor make one wait)."""
    lead_id = lead_id_of(lead_id)
    return access.require_visible(scope, uow.leads.get(lead_id, for_update=for_update),
                                  lead_id)


def workable_lead(uow: LeadsUnitOfWork, scope: Scope, lead_id: str) -> Lead:
    lead_id = lead_id_of(lead_id)
    return access.require_workable(scope, uow.leads.get(lead_id), lead_id)


def changeable_lead(uow: LeadsUnitOfWork, scope: Scope, lead_id: str) -> Lead:
    lead_id = lead_id_of(lead_id)
    return access.require_changeable(scope, uow.leads.get(lead_id), lead_id)


def model_for(uow: LeadsUnitOfWork, sales_line_id: str) -> ScoringModel:
    if not sales_line_id:
        # No model is ever saved without a sales line (scoring._line refuses it): a lead
        # without one is scored by the empty model, without asking the database.
        return ScoringModel(sales_line_id)
    return uow.scoring_models.get(sales_line_id) or ScoringModel(sales_line_id)


def compute_score(uow: LeadsUnitOfWork, lead: Lead, now: dt.datetime) -> engine.Score:
    line = lead.data.sales_line_id
    model = model_for(uow, line)
    predictive = uow.predictive.get(line) if line else None
    # Only activities young enough to still count are read (none without engagement rules).
    horizon = engine.engagement_horizon(model)
    activities = uow.activities.for_lead(lead.id, since=now - horizon) if horizon else []
    return engine.compute(model, lead.data, activities, now, predictive)


def rescore(uow: LeadsUnitOfWork, lead: Lead, now: dt.datetime) -> bool:
    """Recompute and store the lead's score; True when value or grade changed."""
    return lead.rescore(compute_score(uow, lead, now), now)
