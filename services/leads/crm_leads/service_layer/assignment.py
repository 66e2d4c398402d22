"""Use cases: assigning leads (by people), applying territory's routing decisions, and handing
over the open leads of a member who left a team."""

from __future__ import annotations

import datetime as dt

from crm.leads.v1 import events_pb2
from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import InvalidArgument
from crm_leads.domain import access
from crm_leads.domain.assignment import (
    Assignment,
    AssignmentMethod,
    RoutingDecision,
    routing_outcome,
)
from crm_leads.domain.lead import READ_ONLY, Lead, check_note
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import lead_id_of, visible_lead
from crm_leads.service_layer.publishing import emit_assigned, save_changes
from crm_leads.service_layer.scoring import rescore
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


def assign_lead(
    deps: Dependencies,
    caller: Caller | None,
    lead_id: str,
    *,
    team_id: str = "",
    owner_user_id: str = "",
    note: str = "",
) -> Lead:
    """A supervisor or manager reassigns within the team, a manager hands the lead to another
    team, an expert claims an unowned lead of their team, and a member of the queue team places
    a lead of the unassigned queue into a team (see domain/access.py)."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    note = check_note(note)
    now = deps.clock.now()
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id)
        lead.ensure_editable()
        team_id = (team_id or "").strip() or lead.assignment.team_id
        owner_user_id = (owner_user_id or "").strip()
        if not team_id:
            raise InvalidArgument(
                "team_id is required to take a lead out of the unassigned queue", field="team_id"
            )
        members = deps.teams.members(team_id)
        method = access.assignment_method(scope, lead, team_id, owner_user_id, members)
        lead.assign(
            Assignment(
                team_id,
                owner_user_id,
                method,
                note,
                now,
                lead.assignment.decision_id,
                lead.assignment.decided_at,
            ),
            caller.actor,
            now,
        )
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return lead


def apply_routing(deps: Dependencies, caller: Caller, decision: RoutingDecision) -> bool:
    """Apply territory's decision (lead_routed / lead_unroutable) at most once, as ``caller``
    (the worker's system caller: the actor of the history entries and events).

    Returns False when it changed nothing: a redelivery, an older decision, a lead a person
    already assigned, a read-only lead, or an unknown lead (territory may route a lead merged or
    removed meanwhile). The event handler records the event id in its inbox as well.
    """
    with deps.uow() as uow:
        applied = _apply(uow, caller, decision, deps.clock.now())
        uow.commit()
        return applied


def apply_routings(deps: Dependencies, caller: Caller, decisions: list[RoutingDecision]) -> int:
    """Apply many decisions (territory's leads_routed batches) in one unit of work: one read of
    their leads, then each decision under :func:`apply_routing`'s per-lead guards, so a
    redelivered or half-applied batch changes nothing twice. The assignments they change are
    announced in one leads_assigned instead of a lead_assigned each. Returns how many changed a
    lead."""
    now = deps.clock.now()
    assigned: list[events_pb2.LeadAssigned] = []
    with deps.uow() as uow:
        uow.leads.prefetch([lead_id_of(d.lead_id) for d in decisions], assignment_only=True)
        applied = sum(_apply(uow, caller, decision, now, assigned) for decision in decisions)
        emit_assigned(uow, deps.ids.new_id(), assigned, caller.actor)
        uow.commit()
        return applied


def _apply(
    uow: LeadsUnitOfWork,
    caller: Caller,
    decision: RoutingDecision,
    now: dt.datetime,
    assigned: list[events_pb2.LeadAssigned] | None = None,
) -> bool:
    lead = uow.leads.get(lead_id_of(decision.lead_id))
    if lead is None or lead.status in READ_ONLY:
        return False
    outcome = routing_outcome(lead.assignment, decision, now)
    if outcome is None:
        return False
    sales_line_changed = bool(decision.sales_line_id) and (
        decision.sales_line_id != lead.data.sales_line_id
    )
    if sales_line_changed:  # its data changes: read whole (the prefetch read the assignment)
        uow.leads.read_whole(lead)
    lead.set_sales_line(decision.sales_line_id, caller.actor, now)
    lead.assign(outcome, caller.actor, now)
    if sales_line_changed:
        rescore(uow, lead, now)  # the line's scoring model applies from now on
    save_changes(uow, lead, caller.actor, assigned)
    return True


def hand_over_leads(
    deps: Dependencies, caller: Caller, team_id: str, leaving_user_id: str
) -> dict[str, str]:
    """The member left the team (membership_changed): their open leads go to the remaining
    members by the team's strategy, as ``caller``; a lead the strategy leaves out stays unowned
    in the team.
    Running it again finds no open lead of the member left: harmless on redelivery."""
    now = deps.clock.now()
    remaining = sorted(deps.teams.members(team_id) - {leaving_user_id})
    with deps.uow() as uow:
        leads = uow.leads.open_leads_of(team_id, leaving_user_id)
        if not leads:
            return {}
        plan = (
            deps.handover.distribute(
                team_id, leaving_user_id, [lead.id for lead in leads], remaining
            )
            if remaining
            else {}
        )
        result: dict[str, str] = {}
        for lead in leads:
            owner = plan.get(lead.id, "")
            if owner and owner not in remaining:
                owner = ""  # never hand a lead to someone who is not in the team
            lead.assign(
                Assignment(
                    team_id,
                    owner,
                    AssignmentMethod.HANDOVER,
                    f"{leaving_user_id} left the team",
                    now,
                    lead.assignment.decision_id,
                    lead.assignment.decided_at,
                ),
                caller.actor,
                now,
            )
            save_changes(uow, lead, caller.actor)
            result[lead.id] = owner
        uow.commit()
        return result
