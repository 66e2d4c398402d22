"""Use cases of the sales interactions on a lead (domain/interactions.py).

Visibility is the lead's: whoever sees the lead sees its interactions; any member of its team
logs them and ticks its tasks (teammates cover for each other, as for behavioural activity).
"""

from __future__ import annotations

import datetime as dt

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import InvalidArgument, NotFound
from crm_chassis.paging import Page, fetch_offset_page
from crm_leads.domain.interactions import Interaction, log_interaction
from crm_leads.service_layer import interaction_messages
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import visible_lead, workable_lead
from crm_leads.service_layer.publishing import save_changes
from crm_leads.service_layer.scoring import rescore


def log_lead_interaction(
    deps: Dependencies,
    caller: Caller | None,
    *,
    lead_id: str,
    kind: str,
    subject: str,
    body: str = "",
    direction: str = "",
    outcome: str = "",
    duration_minutes: int = 0,
    owner_user_id: str = "",
    occurred_at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
) -> Interaction:
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    with deps.uow() as uow:
        lead = workable_lead(uow, scope, lead_id)
        lead.ensure_editable()
        team_id = lead.assignment.team_id
        owner = (owner_user_id or "").strip() or caller.subject_id
        if owner not in deps.teams.members(team_id):
            raise InvalidArgument(
                f"{owner} is not a member of the lead's team {team_id}; an interaction belongs "
                "to a member of the team",
                field="owner_user_id",
            )
        item = log_interaction(
            id=deps.ids.new_id(),
            lead_id=lead.id,
            team_id=team_id,
            kind=kind,
            subject=subject,
            body=body,
            direction=direction,
            outcome=outcome,
            duration_minutes=duration_minutes,
            logged_by=caller.subject_id,
            owner_user_id=owner,
            occurred_at=occurred_at,
            due_at=due_at,
            now=deps.clock.now(),
        )
        uow.interactions.add(item)
        # The interaction itself does not change the lead: the event carries the lead's version
        # before any re-score (a re-score under the line's interaction rules follows it as the
        # lead's own change, as for behavioural activity).
        uow.emit(
            "lead_interaction_logged",
            interaction_messages.interaction_logged(lead, item),
            aggregate_type="lead",
            aggregate_id=lead.id,
            aggregate_version=lead.version,
            actor=caller.actor,
        )
        rescore(uow, lead, deps.clock.now())
        save_changes(uow, lead, caller.actor)
        uow.commit()
    return item


def list_lead_interactions(
    deps: Dependencies, caller: Caller | None, lead_id: str, *, page_size: int = 0, cursor: str = ""
) -> Page[Interaction]:
    """The lead's interactions timeline, newest first."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id, for_update=False)
        items = uow.interactions.for_lead(lead.id)
        return fetch_offset_page(
            lambda offset, limit: items[offset : offset + limit], page_size, cursor
        )


def complete_lead_task(
    deps: Dependencies, caller: Caller | None, interaction_id: str
) -> Interaction:
    """Mark a task on a lead done; an interaction of a lead the caller cannot see answers like an
    unknown id."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    interaction_id = (interaction_id or "").strip()
    if not interaction_id:
        raise InvalidArgument("id is required", field="id")
    with deps.uow() as uow:
        item = uow.interactions.get(interaction_id)
        lead = uow.leads.get(item.lead_id) if item is not None else None
        if item is None or lead is None or not scope.can_see(lead):
            raise NotFound(f"interaction {interaction_id} not found", field="id")
        lead = workable_lead(uow, scope, lead.id)
        lead.ensure_editable()
        item.complete(deps.clock.now())
        uow.interactions.save(item)
        uow.commit()
    return item
