"""Use case: reading the append-only history of a lead, merged leads' histories included."""
from __future__ import annotations

from crm_chassis.caller import Caller, require_authenticated

from crm_leads.service_layer.lead_access import visible_lead
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.paging import Page, next_cursor, offset_of


def lead_history(deps: Dependencies, caller: Caller | None, lead_id: str, *,
                 page_size: int = 0, cursor: str = "") -> Page:
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    offset, size = offset_of(cursor, page_size)
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id, for_update=False)
        entries = uow.history.for_leads([lead.id, *lead.merged_lead_ids], offset, size + 1)
    return Page(entries[:size], next_cursor(offset, size, len(entries)))
