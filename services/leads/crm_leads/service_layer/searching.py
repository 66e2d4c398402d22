"""Use case: searching the caller's leads (the "lead provider")."""

from __future__ import annotations

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.paging import Page
from crm_leads.domain.lead import Lead
from crm_leads.domain.search import LeadFilter, SortField, build_query
from crm_leads.service_layer.dependencies import Dependencies


def search_leads(
    deps: Dependencies,
    caller: Caller | None,
    lead_filter: LeadFilter,
    *,
    sort: SortField | None = None,
    ascending: bool | None = None,
    page_size: int = 0,
    cursor: str = "",
) -> Page[Lead]:
    """One page of the caller's leads matching the filter. A caller with an empty scope (an
    administrator who is in no team) gets an empty page, not an error."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    query = build_query(
        scope, lead_filter, sort=sort, ascending=ascending, page_size=page_size, cursor=cursor
    )
    if scope.is_empty:
        return Page([], "")
    with deps.uow() as uow:
        rows = uow.leads.search(query)
    page = rows[: query.page_size]
    more = len(rows) > query.page_size
    return Page(page, query.cursor_after(page[-1]) if more and page else "")
