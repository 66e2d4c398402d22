"""The leads pages' use cases: each call goes to leads with the caller's own token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from crm_console.domain.errors import T_, ConsoleError
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import (
    DISQUALIFICATION_REASONS,
    OPEN_STATUSES,
    HistoryEntry,
    Lead,
    LeadActivity,
    Page,
)
from crm_console.domain.session import Session
from crm_console.service_layer.dependencies import Dependencies

ACTIONS = ("work", "qualify", "disqualify", "reactivate")


@dataclass(frozen=True)
class LeadFile:
    lead: Lead
    history: tuple[HistoryEntry, ...]
    activities: tuple[LeadActivity, ...]


def search(deps: Dependencies, caller: Session, *, query: LeadQuery) -> Page:
    return deps.leads.search(caller.tokens.access_token, query)


def my_open_leads(deps: Dependencies, caller: Session, *, limit: int = 20) -> Page:
    """The caller's own open leads, best score first."""
    query = LeadQuery(
        statuses=OPEN_STATUSES,
        owner_user_ids=(caller.person.user_id,),
        sort="score",
        page_size=limit,
    )
    return deps.leads.search(caller.tokens.access_token, query)


def lead_file(deps: Dependencies, caller: Session, *, lead_id: str) -> LeadFile:
    """The lead with its history and activities (NotFound alike for missing and not visible)."""
    token = caller.tokens.access_token
    lead = deps.leads.get(token, lead_id)
    return LeadFile(
        lead=lead,
        history=deps.leads.history(token, lead_id),
        activities=deps.leads.activities(token, lead_id),
    )


def change_status(
    deps: Dependencies, caller: Session, *, lead_id: str, action: str, note: str, reason: str
) -> Lead:
    if action not in ACTIONS:
        raise ConsoleError(T_("unknown action %(value)s", value=repr(action)))
    if action == "disqualify" and reason not in DISQUALIFICATION_REASONS:
        raise ConsoleError(T_("choose why the lead is disqualified"), field="reason")
    return deps.leads.transition(
        caller.tokens.access_token, lead_id, action, note=note.strip(), reason=reason
    )


def convert(deps: Dependencies, caller: Session, *, lead_id: str, opportunity_name: str) -> Lead:
    return deps.leads.convert(
        caller.tokens.access_token, lead_id, opportunity_name=opportunity_name.strip()
    )


def merge(deps: Dependencies, caller: Session, *, survivor_id: str, duplicate_id: str) -> Lead:
    duplicate_id = duplicate_id.strip()
    if not duplicate_id:
        raise ConsoleError(T_("enter the id of the duplicate lead"), field="duplicate_id")
    if duplicate_id == survivor_id:
        raise ConsoleError(T_("a lead cannot be merged into itself"), field="duplicate_id")
    return deps.leads.merge(caller.tokens.access_token, survivor_id, duplicate_id)


def create(
    deps: Dependencies, caller: Session, *, form_key: str, values: Mapping[str, str]
) -> Lead:
    """``form_key``: the form's own idempotency key, so a double submit creates one lead."""
    cleaned = {k: v.strip() for k, v in values.items() if v and v.strip()}
    return deps.leads.create(caller.tokens.access_token, form_key, cleaned)


def import_csv(
    deps: Dependencies,
    caller: Session,
    *,
    columns: list[str],
    rows: Iterable[Mapping[str, str]],
    progress: Callable[[int, int, int], None],
) -> Iterator[tuple[int, str, str]]:
    """Stream the rows to leads' ImportLeads; yields (row, field, reason) of each refused row
    and reports (read, accepted, rejected) through ``progress``."""
    import_id = f"console-{deps.ids.new_id()}"
    return deps.leads.import_rows(caller.tokens.access_token, import_id, columns, rows, progress)


def stage_age_days(since: dt.datetime | None, now: dt.datetime) -> int:
    return max(0, (now - since).days) if since else 0


def first_page(query: LeadQuery) -> LeadQuery:
    return replace(query, cursor="")
