"""Activities: calls, e-mails, meetings, notes and tasks on an account, a contact or a deal.

They form one timeline per record (newest first). An activity belongs to the team owning the
record it is logged on; any member of that team may log one, also on a teammate's record, and the
person who logged it is kept (``logged_by``) apart from the person it is for (``owner_user_id``).
Only tasks have a due date and can be done (and undone). An activity is its own record: logging
one on a closed deal does not edit the deal (a note after a loss is common), so it is allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.history import Recorded, diff
from crm_deals.domain.text import clean_text, require_id

CALL, EMAIL, MEETING, NOTE, TASK = "call", "email", "meeting", "note", "task"
KINDS = (CALL, EMAIL, MEETING, NOTE, TASK)
TARGET_TYPES = ("account", "contact", "opportunity")
DIRECTIONS = ("", "inbound", "outbound")
# What came of a call (as leads' interactions: a lead's call keeps its outcome on conversion).
OUTCOMES = ("", "connected", "no_answer", "voicemail", "busy", "wrong_number")


@dataclass
class Activity(Recorded):
    RECORD_TYPE = "activity"

    id: str
    team_id: str
    kind: str
    target_type: str
    target_id: str
    subject: str
    logged_by: str
    owner_user_id: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    body: str = ""
    direction: str = ""
    duration_minutes: int = 0
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    version: int = 0
    outcome: str = ""
    # The due time the last reminder was sent for: one reminder per due time (a task moved to
    # a new due time is reminded again). See domain/tasks.py.
    reminded_for: dt.datetime | None = None

    @classmethod
    def log(
        cls,
        *,
        id: str,
        team_id: str,
        kind: str,
        target_type: str,
        target_id: str,
        subject: str,
        owner_user_id: str,
        actor: Actor,
        at: dt.datetime,
        occurred_at: dt.datetime | None = None,
        body: str = "",
        direction: str = "",
        duration_minutes: int = 0,
        due_at: dt.datetime | None = None,
        outcome: str = "",
    ) -> Activity:
        if kind not in KINDS:
            raise InvalidArgument(
                f"kind must be one of {', '.join(KINDS)}; got {kind!r}", field="kind"
            )
        if target_type not in TARGET_TYPES:
            raise InvalidArgument(
                f"an activity is logged on one of {', '.join(TARGET_TYPES)}; got {target_type!r}",
                field="target_type",
            )
        if direction not in DIRECTIONS or (direction and kind not in (CALL, EMAIL)):
            raise InvalidArgument(
                "direction (inbound/outbound) applies to calls and e-mails only", field="direction"
            )
        if outcome not in OUTCOMES or (outcome and kind != CALL):
            raise InvalidArgument(
                "an outcome applies to calls only, one of "
                f"{', '.join(o for o in OUTCOMES if o)}; got {outcome!r}",
                field="outcome",
            )
        if not isinstance(duration_minutes, int) or not 0 <= duration_minutes <= 24 * 60:
            raise InvalidArgument("duration_minutes must be 0..1440", field="duration_minutes")
        if duration_minutes and kind not in (CALL, MEETING):
            raise InvalidArgument(
                "a duration applies to calls and meetings only", field="duration_minutes"
            )
        if kind == TASK and due_at is None:
            raise InvalidArgument("a task needs a due date", field="due_at")
        if kind != TASK and due_at is not None:
            raise InvalidArgument("only tasks have a due date", field="due_at")
        if occurred_at is not None and occurred_at > at + dt.timedelta(minutes=5) and kind != TASK:
            raise InvalidArgument(
                "a call, e-mail, meeting or note cannot have happened in the "
                "future; plan future work as a task",
                field="occurred_at",
            )
        activity = cls(
            id=id,
            team_id=require_id(team_id, "team_id"),
            kind=kind,
            target_type=target_type,
            target_id=require_id(target_id, "target_id"),
            subject=clean_text(subject, "subject", max_length=200, required=True),
            body=clean_text(body, "body", max_length=20000),
            logged_by=actor.id,
            owner_user_id=require_id(owner_user_id, "owner_user_id"),
            occurred_at=occurred_at or at,
            direction=direction,
            outcome=outcome,
            duration_minutes=duration_minutes,
            due_at=due_at,
            created_at=at,
            updated_at=at,
        )
        activity._record(actor, at, "logged")
        return activity

    @property
    def is_task(self) -> bool:
        return self.kind == TASK

    def is_overdue(self, now: dt.datetime) -> bool:
        return (
            self.is_task and self.done_at is None and self.due_at is not None and self.due_at < now
        )

    def complete(self, actor: Actor, at: dt.datetime) -> None:
        self._require_task()
        if self.done_at is not None:
            raise FailedPrecondition(f"task {self.subject!r} is already done", field="done")
        self.done_at = at
        self._record(actor, at, "completed", {"done": (False, True)})

    def reopen_task(self, actor: Actor, at: dt.datetime) -> None:
        self._require_task()
        if self.done_at is None:
            raise FailedPrecondition(f"task {self.subject!r} is not done", field="done")
        self.done_at = None
        self._record(actor, at, "uncompleted", {"done": (True, False)})

    def update(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        subject: str | None = None,
        body: str | None = None,
        due_at: dt.datetime | None = None,
    ) -> list[str]:
        updates: dict[str, Any] = {}
        if subject is not None:
            updates["subject"] = clean_text(subject, "subject", max_length=200, required=True)
        if body is not None:
            updates["body"] = clean_text(body, "body", max_length=20000)
        if due_at is not None:
            self._require_task()
            updates["due_at"] = due_at
        changes = diff(self, updates)
        if changes:
            for name, (_, new) in changes.items():
                setattr(self, name, new)
            self._record(actor, at, "updated", changes)
        return list(changes)

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> None:
        if to_team_id != self.team_id:
            before, self.team_id = self.team_id, to_team_id
            self._record(actor, at, "transferred", {"team_id": (before, to_team_id)})

    def _require_task(self) -> None:
        if not self.is_task:
            raise FailedPrecondition(
                f"this {self.kind} is not a task: only tasks have a due date and can be done",
                field="kind",
            )
