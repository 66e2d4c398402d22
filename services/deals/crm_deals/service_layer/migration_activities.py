"""One row of an activities migration: a call, e-mail, meeting, note or task of the old system
on an account, contact or deal imported before (or named by id), at its own time.

``occurred_at`` is the activity's business time (its history entry and ``activity_logged``
event carry it); a task keeps its ``due_at``. The target is found by the external id it was
imported under (``target_type`` account, contact or deal) or by its id.
"""

from __future__ import annotations

import datetime as dt

from crm_chassis.errors import InvalidArgument
from crm_deals.domain import migration
from crm_deals.domain.activities import Activity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, require_team_member
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

#: target_type as a file writes it -> (record type, import kind, repository)
TARGETS = {
    "account": ("account", "accounts", "accounts"),
    "contact": ("contact", "contacts", "contacts"),
    "deal": ("opportunity", "deals", "opportunities"),
    "opportunity": ("opportunity", "deals", "opportunities"),
}


def import_activity(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    access: Access,
    row: dict[str, str],
    now: dt.datetime,
    external_id: str,
) -> Activity:
    target_type = (row.get("target_type") or "").lower()
    if target_type not in TARGETS:
        raise InvalidArgument(
            f"target_type '{target_type}' is not one of account, contact, deal",
            field="target_type",
        )
    record_type, kind, repository = TARGETS[target_type]
    target_id = row.get("target_id", "")
    by_external = row.get("target_external_id", "")
    if by_external:
        target_id = uow.import_keys.find(kind, [by_external]).get(by_external, "")
        if not target_id:
            raise InvalidArgument(
                f"no {target_type} was imported with external id '{by_external}'; import the "
                f"{kind} file first",
                field="target_external_id",
            )
    if not target_id:
        raise InvalidArgument(
            "target_external_id or target_id is required: the record the activity is on",
            field="target_external_id",
        )
    found = getattr(uow, repository).get(target_id)
    if getattr(found, "merged_into_id", ""):  # an account or contact merged since: its survivor
        found = getattr(uow, repository).get(found.merged_into_id)
    target = access.visible(found, record_type, target_id)
    access.require_member(target.team_id, "import activities on its records")
    owner = require_team_member(
        deps, target.team_id, row.get("owner_user_id") or caller.subject_id, "owner_user_id"
    )
    occurred = migration.business_time(row.get("occurred_at", ""), "occurred_at", now)
    due = _due(row.get("due_at", ""))
    minutes = row.get("duration_minutes", "") or "0"
    if not minutes.isdigit():
        raise InvalidArgument(
            f"duration_minutes '{minutes}' is not a whole number", field="duration_minutes"
        )
    activity = Activity.log(
        id=deps.ids.new_id(),
        team_id=target.team_id,
        kind=(row.get("kind") or "").lower(),
        target_type=record_type,
        target_id=target.id,
        subject=row.get("subject", ""),
        body=row.get("body", ""),
        owner_user_id=owner,
        occurred_at=occurred,
        due_at=due,
        direction=(row.get("direction") or "").lower(),
        duration_minutes=int(minutes),
        actor=caller.actor,
        at=occurred or now,
    )
    activity._record(
        caller.actor, now, "imported", note=f"migration import, external id {external_id}"
    )
    uow.activities.add(activity)
    keep_history(uow, activity)
    publish(uow, "activity_logged", event_messages.activity_logged(activity), activity, caller)
    return activity


def _due(text: str) -> dt.datetime | None:
    """A task's due time: a date (midnight UTC) or an instant with offset; may lie ahead."""
    if not text:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        due = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(
            f"due_at '{text}' is not a date or an instant", field="due_at"
        ) from None
    if due.tzinfo is None:
        raise InvalidArgument(f"due_at '{text}' has no UTC offset", field="due_at")
    return due.astimezone(dt.UTC)
