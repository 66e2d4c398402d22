"""Use cases: the status of a lead (start working, qualify, disqualify, reactivate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from crm_chassis.caller import Caller, require_authenticated
from crm_leads.domain.lead import DisqualificationReason, Lead
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import workable_lead
from crm_leads.service_layer.publishing import save_changes


def _change(
    deps: Dependencies,
    caller: Caller | None,
    lead_id: str,
    apply: Callable[[Lead, Caller, dt.datetime], object],
) -> Lead:
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        lead = workable_lead(uow, scope, lead_id)
        apply(lead, caller, now)
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return lead


def start_working(deps: Dependencies, caller: Caller | None, lead_id: str, note: str = "") -> Lead:
    return _change(
        deps, caller, lead_id, lambda lead, c, now: lead.start_working(c.actor, now, note)
    )


def qualify(deps: Dependencies, caller: Caller | None, lead_id: str, note: str = "") -> Lead:
    return _change(deps, caller, lead_id, lambda lead, c, now: lead.qualify(c.actor, now, note))


def disqualify(
    deps: Dependencies,
    caller: Caller | None,
    lead_id: str,
    reason: DisqualificationReason | str,
    note: str = "",
) -> Lead:
    return _change(
        deps, caller, lead_id, lambda lead, c, now: lead.disqualify(reason, note, c.actor, now)
    )


def reactivate(deps: Dependencies, caller: Caller | None, lead_id: str, note: str = "") -> Lead:
    return _change(deps, caller, lead_id, lambda lead, c, now: lead.reactivate(c.actor, now, note))
