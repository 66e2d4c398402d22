"""Use cases: scoring models, score explanations, background rescoring and outcome learning;
and the scoring of one lead the other use cases call after a change (:func:`rescore`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.leads.v1 import events_pb2
from crm_chassis.caller import Caller
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_leads.domain.lead import READ_ONLY, Lead
from crm_leads.domain.scoring import attributes, engine
from crm_leads.domain.scoring.engine import Score
from crm_leads.domain.scoring.predictive import PredictiveModel, feature_values
from crm_leads.domain.scoring.rules import ScoringModel, build_model
from crm_leads.service_layer import event_messages
from crm_leads.service_layer.authorization import MANAGEMENT, MARKETING, SALES, require_department
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import visible_lead
from crm_leads.service_layer.publishing import save_changes
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

READERS = (SALES, MARKETING, MANAGEMENT)
EDITORS = (MARKETING, MANAGEMENT)
RESCORE_BATCH = 500


def _line(sales_line_id: str) -> str:
    line = (sales_line_id or "").strip()
    if not line:
        raise InvalidArgument("sales_line_id is required", field="sales_line_id")
    return line


def model_for(uow: LeadsUnitOfWork, sales_line_id: str) -> ScoringModel:
    if not sales_line_id:
        # No model is ever saved without a sales line (_line refuses it): a lead
        # without one is scored by the empty model, without asking the database.
        return ScoringModel(sales_line_id)
    return uow.scoring_models.get(sales_line_id) or ScoringModel(sales_line_id)


def compute_score(
    uow: LeadsUnitOfWork, lead: Lead, now: dt.datetime, *, captured: bool = False
) -> Score:
    """``captured``: the lead was created in this unit of work, so it has no activities or
    interactions to read (an import batch would otherwise ask twice per row)."""
    line = lead.data.sales_line_id
    model = model_for(uow, line)
    predictive = uow.predictive.get(line) if line else None
    # Only activities young enough to still count are read (none without engagement rules).
    horizon = None if captured else engine.engagement_horizon(model)
    activities = uow.activities.for_lead(lead.id, since=now - horizon) if horizon else []
    # The lead's sales interactions, when the model has rules for them.
    reach = None if captured else engine.interaction_horizon(model)
    interactions = (
        [i for i in uow.interactions.for_lead(lead.id) if i.occurred_at >= now - reach]
        if reach
        else []
    )
    return engine.compute(model, lead.data, activities, now, predictive, interactions)


def rescore(uow: LeadsUnitOfWork, lead: Lead, now: dt.datetime, *, captured: bool = False) -> bool:
    """Recompute and store the lead's score; True when value or grade changed
    (``captured``: see :func:`compute_score`)."""
    return lead.rescore(compute_score(uow, lead, now, captured=captured), now)


def get_scoring_model(
    deps: Dependencies, caller: Caller | None, sales_line_id: str
) -> tuple[ScoringModel, PredictiveModel]:
    require_department(caller, *READERS, doing="reading scoring models")
    line = _line(sales_line_id)
    with deps.uow() as uow:
        return model_for(uow, line), uow.predictive.get(line)


def update_scoring_model(
    deps: Dependencies,
    caller: Caller | None,
    sales_line_id: str,
    *,
    fit_rules: list[dict[str, Any]],
    engagement_rules: list[dict[str, Any]],
    interaction_rules: list[dict[str, Any]] | None = None,
    expected_version: int = 0,
) -> tuple[ScoringModel, PredictiveModel]:
    """Replace the rules; the line's leads are rescored in the background (rescore_batch)."""
    caller = require_department(caller, *EDITORS, doing="changing a scoring model")
    line = _line(sales_line_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        current = model_for(uow, line)
        if expected_version and expected_version != current.version:
            raise FailedPrecondition(
                f"the scoring model of {line} changed since you read it "
                f"(version {current.version}, you had {expected_version}); "
                "reload it and apply your change again",
                field="expected_version",
            )
        model = build_model(
            line,
            fit_rules,
            engagement_rules,
            version=current.version + 1,
            updated_at=now,
            interaction_rules=interaction_rules,
        )
        predictive = uow.predictive.get(line)
        if (model.fit_rules, model.engagement_rules, model.interaction_rules) == (
            current.fit_rules,
            current.engagement_rules,
            current.interaction_rules,
        ):
            return current, predictive
        uow.scoring_models.save(model)
        uow.emit(
            "scoring_model_changed",
            events_pb2.ScoringModelChanged(model=event_messages.scoring_model(model, predictive)),
            aggregate_type="scoring_model",
            aggregate_id=line,
            aggregate_version=model.version,
            actor=caller.actor,
        )
        uow.commit()
        return model, predictive


def explain_lead_score(deps: Dependencies, caller: Caller | None, lead_id: str) -> Score:
    """The lead's score computed now, with every factor (not stored: a read)."""
    caller = require_department(caller, *READERS, doing="reading score explanations")
    scope = deps.scopes.scope_of(caller.subject_id)
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id, for_update=False)
        return compute_score(uow, lead, deps.clock.now())


def rescore_batch(
    deps: Dependencies,
    caller: Caller,
    sales_line_id: str,
    after_id: str = "",
    limit: int = RESCORE_BATCH,
) -> tuple[int, str]:
    """Rescore the next ``limit`` leads of a line (after a model change, and as decay ages
    scores), as ``caller``. Returns (leads whose score or grade changed, id to continue after; "" = done)."""
    now = deps.clock.now()
    changed = 0
    with deps.uow() as uow:
        ids = uow.leads.ids_after(sales_line_id, after_id, limit)
        for lead_id in ids:
            lead = uow.leads.get(lead_id)
            if lead is None or lead.status in READ_ONLY:
                continue
            if rescore(uow, lead, now):
                changed += 1
            save_changes(uow, lead, caller.actor)
        uow.commit()
    return changed, (ids[-1] if len(ids) == limit else "")


def lines_with_models(deps: Dependencies, caller: Caller) -> list[str]:
    """The sales lines the decay sweep walks (a line without a model scores everything 0)."""
    with deps.uow() as uow:
        return uow.scoring_models.sales_line_ids()


def record_outcome(deps: Dependencies, caller: Caller, lead_id: str, won: bool) -> bool:
    """Deals closed (or reopened and closed again) the opportunity of a converted lead: the
    line's predictive model learns the outcome; a corrected outcome replaces the old one."""
    with deps.uow() as uow:
        lead = uow.leads.get(lead_id)
        if lead is None or not lead.data.sales_line_id:
            return False
        line = lead.data.sales_line_id
        features = feature_values(attributes.of(lead.data))
        previous = uow.predictive.outcome_of(lead.id)
        if previous is not None and previous == (line, features, won):
            return False  # redelivery
        model = uow.predictive.get(line)
        if previous is not None:
            old_line, old_features, old_won = previous
            old_model = model if old_line == line else uow.predictive.get(old_line)
            old_model.forget(old_features, old_won)
            if old_model is not model:
                uow.predictive.save(old_model)
        model.learn(features, won)
        uow.predictive.save(model)
        uow.predictive.set_outcome(lead.id, line, features, won)
        uow.commit()
        return True


def forget_outcome(deps: Dependencies, caller: Caller, lead_id: str) -> bool:
    """Deals reopened the opportunity: its outcome no longer counts."""
    with deps.uow() as uow:
        previous = uow.predictive.outcome_of(lead_id)
        if previous is None:
            return False
        line, features, won = previous
        model = uow.predictive.get(line)
        model.forget(features, won)
        uow.predictive.save(model)
        uow.predictive.clear_outcome(lead_id)
        uow.commit()
        return True
