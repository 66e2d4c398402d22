"""Use case: reading the append-only history of a lead, merged leads' histories included."""

from __future__ import annotations

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.paging import Page, fetch_offset_page
from crm_leads.domain.history import HistoryEntry
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import visible_lead


def lead_history(
    deps: Dependencies, caller: Caller | None, lead_id: str, *, page_size: int = 0, cursor: str = ""
) -> Page[HistoryEntry]:
    """Oldest first, by offset: a lead's history is short and only grows at its end."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id, for_update=False)
        ids = [lead.id, *lead.merged_lead_ids]
        return fetch_offset_page(
            lambda offset, limit: uow.history.for_leads(ids, offset, limit), page_size, cursor
        )
