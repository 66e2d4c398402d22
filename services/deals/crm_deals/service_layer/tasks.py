"""A person's tasks across every record (ListMyTasks) and their reminders (the worker's timer).

Tasks are deals' activities of kind ``task`` on accounts, contacts and deals; each belongs to the
team of its record. Tasks on unconverted leads are leads' (its ListMyLeadTasks); deals sends
their reminders when leads says one is due (:func:`remind_lead_task`). A person sees their own open tasks in every team they see; a supervisor or
manager of a team sees the whole team's (or one member's). Buckets: domain/tasks.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.errors import InvalidArgument, NotFound
from crm_chassis.paging import Page, fetch_offset_page, page_size
from crm_deals.domain import notifications, tasks
from crm_deals.domain.activities import Activity
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.notifying import notify
from crm_deals.service_layer.ports import SUPERVISOR
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

ALL = "all"
# "" = what is to do by the end of the week: overdue, today and this week.
FILTERS = ("", ALL, *tasks.BUCKETS)


@dataclass(frozen=True)
class DueTask:
    task: Activity
    bucket: str


def list_my_tasks(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str = "",
    user_id: str = "",
    bucket: str = "",
    time_zone: str = "",
    size: int = 0,
    cursor: str = "",
) -> Page[DueTask]:
    """Open tasks by due time. Without ``team_id``: the caller's own, in every team they see.
    With it: a supervisor's or manager's view of the team (``user_id`` narrows it to one
    person). ``bucket``: "" (overdue, today, this week), one bucket, or "all"."""
    if bucket not in FILTERS:
        raise InvalidArgument(
            f"bucket must be one of {', '.join(b for b in FILTERS if b)} (or empty); "
            f"got {bucket!r}",
            field="bucket",
        )
    tz = tasks.zone(time_zone)
    limit = page_size(size)
    access = Access.of(caller, deps.scopes)
    team_id, user_id = (team_id or "").strip(), (user_id or "").strip()
    if team_id:
        if not access.can_see(team_id):
            raise NotFound(f"team {team_id!r} not found", field="team_id")
        access.require_role(team_id, SUPERVISOR, "see the tasks of the whole team")
        team_ids, owner = frozenset({team_id}), user_id
    else:
        if user_id and user_id != caller.subject_id:
            raise InvalidArgument(
                "user_id needs team_id: a supervisor sees a member's tasks within a team",
                field="user_id",
            )
        team_ids, owner = access.visible_team_ids, caller.subject_id
    now = deps.clock.now()
    end_of_today, end_of_week = tasks.bucket_edges(now, tz)
    due_before = {
        "": end_of_week,
        tasks.OVERDUE: now,
        tasks.TODAY: end_of_today,
        tasks.THIS_WEEK: end_of_week,
    }.get(bucket)
    with deps.uow() as uow:
        found = uow.activities.open_tasks(team_ids, owner, due_before)
    due = [DueTask(t, tasks.bucket_of(t, now, tz)) for t in found]
    if bucket not in ("", ALL):
        due = [d for d in due if d.bucket == bucket]
    return fetch_offset_page(lambda offset, n: due[offset : offset + n], limit, cursor)


def send_task_reminders(
    deps: Dependencies, caller: Caller, *, lead: dt.timedelta, limit: int = 100
) -> int:
    """The reminder timer: tell each open task's owner, in the app and by e-mail, once per due
    time (the mark and the commands commit together; the commands' key is the task and its due
    time, so a repeated run or a redelivered command sends nothing twice). Returns how many
    tasks were reminded."""
    now = deps.clock.now()
    with deps.uow() as uow:
        due = uow.activities.reminders_due(now, lead, limit)
        for task in due:
            assert task.due_at is not None  # reminders_due returns tasks with a due time
            tasks.mark_reminded(task)
            uow.activities.save(task)
            when = task.due_at.strftime("%Y-%m-%d %H:%M UTC")
            notify(
                uow,
                caller,
                key=f"reminder:{task.id}:{task.due_at.isoformat()}",
                trigger=notifications.REMINDER,
                record_type=task.target_type,
                record_id=task.target_id,
                record_version=task.version,
                team_id=task.team_id,
                recipients=[task.owner_user_id],
                title=f"Task due {when}: {task.subject}",
                text=f"Your task {task.subject!r} on {task.target_type} {task.target_id} "
                f"is due {when}.",
                email=True,
            )
        uow.commit()
    return len(due)


def remind_lead_task(
    uow: DealsUnitOfWork,
    caller: Caller,
    *,
    task_id: str,
    lead_id: str,
    lead_version: int,
    team_id: str,
    owner_user_id: str,
    subject: str,
    due_at: dt.datetime,
    lead_name: str,
) -> None:
    """leads' ``lead_task_reminder_due`` (in the event handler's transaction): the owner of a
    task on an unconverted lead is reminded as for deals' own tasks, in the app and by e-mail,
    keyed by the task and its due time (leads marks the task; a redelivered event is dropped
    by the inbox, a repeated key by the delivery)."""
    when = due_at.strftime("%Y-%m-%d %H:%M UTC")
    notify(
        uow,
        caller,
        key=f"reminder:lead-task:{task_id}:{due_at.isoformat()}",
        trigger=notifications.REMINDER,
        record_type="lead",
        record_id=lead_id,
        record_version=lead_version,
        team_id=team_id,
        recipients=[owner_user_id],
        title=f"Task due {when}: {subject}",
        text=f"Your task {subject!r} on lead {lead_name or lead_id} is due {when}.",
        email=True,
    )
