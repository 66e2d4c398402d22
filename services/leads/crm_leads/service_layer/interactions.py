"""Use cases of the sales interactions on a lead (domain/interactions.py).

Visibility is the lead's: whoever sees the lead sees its interactions; any member of its team
logs them and ticks its tasks (teammates cover for each other, as for behavioural activity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.leads.v1 import events_pb2
from crm_chassis import due_buckets
from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_chassis.paging import Page, fetch_offset_page
from crm_leads.domain.access import LEADERS
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


# "" = what is to do by the end of the week: overdue, today and this week (as deals' ListMyTasks).
ALL = "all"
FILTERS = ("", ALL, *due_buckets.BUCKETS)


@dataclass(frozen=True)
class DueLeadTask:
    task: Interaction
    bucket: str
    lead_name: str


def list_my_lead_tasks(
    deps: Dependencies,
    caller: Caller | None,
    *,
    team_id: str = "",
    user_id: str = "",
    bucket: str = "",
    time_zone: str = "",
    page_size: int = 0,
    cursor: str = "",
) -> Page[DueLeadTask]:
    """Open tasks on open leads by due time: the caller's own on every lead they see, or with
    ``team_id`` a supervisor's or manager's view of the team's leads (``user_id`` narrows it
    to one person). Filters and buckets are deals' ListMyTasks' (crm_chassis.due_buckets), so
    a "my day" merging both lists agrees with each. A converting or converted lead's tasks are
    deals' (copied to the opportunity on conversion) and never listed here: no task twice."""
    caller = require_authenticated(caller)
    if bucket not in FILTERS:
        raise InvalidArgument(
            f"bucket must be one of {', '.join(b for b in FILTERS if b)} (or empty); "
            f"got {bucket!r}",
            field="bucket",
        )
    tz = due_buckets.zone(time_zone)
    scope = deps.scopes.scope_of(caller.subject_id)
    team_id, user_id = (team_id or "").strip(), (user_id or "").strip()
    if team_id:
        role = scope.role_in(team_id)
        if role is None:
            raise NotFound(f"team {team_id!r} not found", field="team_id")
        if role not in LEADERS:
            raise PermissionDenied(
                "only a supervisor or manager of the team may see the tasks of the whole team",
                field="team_id",
            )
        team_ids, owner, assigned_only = frozenset({team_id}), user_id, True
    else:
        if user_id and user_id != caller.subject_id:
            raise InvalidArgument(
                "user_id needs team_id: a supervisor sees a member's tasks within a team",
                field="user_id",
            )
        team_ids, owner, assigned_only = frozenset(scope.teams), caller.subject_id, False
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.interactions.open_tasks(
            team_ids,
            owner,
            due_buckets.due_before(bucket, now, tz),
            assigned_only=assigned_only,
        )
    due = [
        DueLeadTask(task, due_buckets.bucket(task.due_at, now, tz), name)
        for task, name in found
        if task.due_at is not None
    ]
    if bucket not in ("", ALL):
        due = [d for d in due if d.bucket == bucket]
    return fetch_offset_page(lambda offset, n: due[offset : offset + n], page_size, cursor)


def send_lead_task_reminders(
    deps: Dependencies, caller: Caller, *, lead: dt.timedelta, limit: int = 100
) -> int:
    """The reminder timer of tasks on leads: each open task on an open lead whose due time is
    within ``lead`` of now is marked reminded for that due time and, in the same transaction,
    ``lead_task_reminder_due`` is emitted; deals turns it into the owner's notification and
    e-mail, keyed by the task and its due time. Once per due time: a second run finds the
    task marked, and deals' inbox and delivery keys drop a redelivered event. Returns how
    many tasks were reminded."""
    now = deps.clock.now()
    with deps.uow() as uow:
        due = uow.interactions.reminders_due(now, lead, limit)
        for task, name, team_id, version in due:
            task.reminded_for = task.due_at
            uow.interactions.save(task)
            uow.emit(
                "lead_task_reminder_due",
                events_pb2.LeadTaskReminderDue(
                    task=interaction_messages.interaction(task), team_id=team_id, lead_name=name
                ),
                aggregate_type="lead",
                aggregate_id=task.lead_id,
                aggregate_version=version,
                actor=caller.actor,
            )
        uow.commit()
    return len(due)
