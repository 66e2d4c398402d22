"""Use cases of the activities timeline."""

from __future__ import annotations

import datetime as dt

from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_deals.domain import notifications
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.activities import KINDS, TARGET_TYPES, Activity
from crm_deals.domain.duplicates import require_not_merged
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller, TeamRecord
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.notifying import notify
from crm_deals.service_layer.ports import SUPERVISOR
from crm_deals.service_layer.recording import keep_history, publish, require_team_member
from crm_deals.service_layer.repositories import FIRST_PAGE, Page, PageQuery
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

_REPOS = {"account": "accounts", "contact": "contacts", "opportunity": "opportunities"}


def _target(uow: DealsUnitOfWork, access: Access, target_type: str, target_id: str) -> TeamRecord:
    if target_type not in TARGET_TYPES:
        raise InvalidArgument(
            f"an activity is logged on one of {', '.join(TARGET_TYPES)}; got {target_type!r}",
            field="target_type",
        )
    record: Account | Contact | Opportunity | None = getattr(uow, _REPOS[target_type]).get(
        target_id
    )
    return access.visible(record, target_type, target_id)


def log_activity(
    deps: Dependencies,
    caller: Caller,
    *,
    target_type: str,
    target_id: str,
    kind: str,
    subject: str,
    body: str = "",
    owner_user_id: str = "",
    occurred_at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    direction: str = "",
    duration_minutes: int = 0,
    outcome: str = "",
    mention_user_ids: tuple[str, ...] = (),
) -> Activity:
    """Any member of the record's team may log, also on a teammate's record; the person who
    logged it is kept as ``logged_by`` (the actor), the person it is for as the owner. People
    mentioned (members of the team) are notified once."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        record = _target(uow, access, target_type, target_id)
        if isinstance(record, (Account, Contact)):  # a merged-away one is read-only
            require_not_merged(record)
        access.require_member(record.team_id, "log activities on its records")
        owner = require_team_member(
            deps, record.team_id, owner_user_id or caller.subject_id, "owner_user_id"
        )
        activity = Activity.log(
            id=deps.ids.new_id(),
            team_id=record.team_id,
            kind=kind,
            target_type=target_type,
            target_id=record.id,
            subject=subject,
            body=body,
            owner_user_id=owner,
            occurred_at=occurred_at,
            due_at=due_at,
            direction=direction,
            duration_minutes=duration_minutes,
            outcome=outcome,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        mentioned = [
            require_team_member(deps, record.team_id, user, "mention_user_ids")
            for user in sorted({m.strip() for m in mention_user_ids if m.strip()})
        ]
        uow.activities.add(activity)
        keep_history(uow, activity)
        publish(uow, "activity_logged", event_messages.activity_logged(activity), activity, caller)
        notify(
            uow,
            caller,
            key=f"mentioned:{activity.id}",
            trigger=notifications.MENTIONED,
            record_type=target_type,
            record_id=record.id,
            record_version=activity.version,
            team_id=record.team_id,
            recipients=mentioned,
            title=f"{caller.actor.display_name or caller.subject_id} mentioned you: "
            f"{activity.subject}",
            text=activity.body or activity.subject,
        )
        uow.commit()
    return activity


def timeline(
    deps: Dependencies,
    caller: Caller,
    *,
    target_type: str,
    target_id: str,
    kinds: frozenset[str] = frozenset(),
    page: PageQuery = FIRST_PAGE,
) -> Page[Activity]:
    """Newest first. An account's timeline also shows its contacts' and deals' activities."""
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise InvalidArgument(
            f"unknown activity kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}",
            field="kinds",
        )
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        record = _target(uow, access, target_type, target_id)
        targets = [(target_type, record.id)]
        if target_type == "account":
            targets += [("contact", c.id) for c in uow.contacts.for_account(record.id)]
            targets += [("opportunity", d.id) for d in uow.opportunities.for_account(record.id)]
        page_ = uow.activities.timeline(targets, frozenset(kinds), page)
        page_.items = [a for a in page_.items if access.can_see(a.team_id)]
        return page_


def _load(uow: DealsUnitOfWork, access: Access, activity_id: str) -> Activity:
    activity = access.visible(uow.activities.get(activity_id), "activity", activity_id)
    caller_id = access.caller.subject_id
    if caller_id not in (activity.owner_user_id, activity.logged_by) and not access.has(
        activity.team_id, SUPERVISOR
    ):
        raise PermissionDenied(
            "only the person who logged the activity, its owner, or a "
            "supervisor or manager of the team may change it"
        )
    return activity


def _save(uow: DealsUnitOfWork, activity: Activity, caller: Caller, changed: list[str]) -> None:
    uow.activities.save(activity)
    keep_history(uow, activity)
    publish(
        uow,
        "activity_updated",
        event_messages.activity_updated(activity, changed),
        activity,
        caller,
    )
    uow.commit()


def complete_task(
    deps: Dependencies, caller: Caller, activity_id: str, done: bool = True
) -> Activity:
    """Mark a task done (or not done again). Any member of the team may tick a teammate's task
    (covering for an absent colleague)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        activity = access.visible(uow.activities.get(activity_id), "activity", activity_id)
        access.require_member(activity.team_id, "work on its tasks")
        if done:
            activity.complete(caller.actor, deps.clock.now())
        else:
            activity.reopen_task(caller.actor, deps.clock.now())
        _save(uow, activity, caller, ["done_at"])
    return activity


def update_activity(
    deps: Dependencies,
    caller: Caller,
    activity_id: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    due_at: dt.datetime | None = None,
) -> Activity:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        activity = _load(uow, access, activity_id)
        changed = activity.update(
            caller.actor, deps.clock.now(), subject=subject, body=body, due_at=due_at
        )
        if changed:
            _save(uow, activity, caller, sorted(changed))
    return activity
