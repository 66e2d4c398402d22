"""Sales interactions on a lead: the calls, e-mails, meetings, notes and tasks a rep has with a
lead before it is qualified.

They differ from behavioural activity (domain/activity.py: what the person did on their own,
fed by tools): an interaction is logged by a member of the lead's team, who is kept as
``logged_by`` apart from the person it is for (``owner_user_id``). They form the lead's
interactions timeline (newest first) and move with the lead when it is converted: deals copies
them, with their authors and times, to the contact and the opportunity it creates.

Rules (as for deals' activities, so a copy is always valid there):
- calls and e-mails may have a direction; calls an outcome; calls and meetings a duration;
- only tasks have a due date (and need one); a task can be done once;
- what has happened cannot be dated in the future (beyond the clock skew tools have).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from crm_chassis.errors import FailedPrecondition, InvalidArgument

CALL, EMAIL, MEETING, NOTE, TASK = "call", "email", "meeting", "note", "task"
KINDS = (CALL, EMAIL, MEETING, NOTE, TASK)
DIRECTIONS = ("", "inbound", "outbound")
# What came of a call: reporting counts only a connected call as a conversation.
OUTCOMES = ("", "connected", "no_answer", "voicemail", "busy", "wrong_number")
MAX_SUBJECT, MAX_BODY, MAX_MINUTES = 200, 20000, 24 * 60
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass
class Interaction:
    id: str
    lead_id: str
    team_id: str
    kind: str
    subject: str
    logged_by: str
    owner_user_id: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    body: str = ""
    direction: str = ""
    outcome: str = ""
    duration_minutes: int = 0
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    # The due time a reminder was sent for (the worker's bookkeeping: no change of the task).
    reminded_for: dt.datetime | None = None

    @property
    def is_task(self) -> bool:
        return self.kind == TASK

    @property
    def is_contact(self) -> bool:
        """A conversation with the person (what reporting counts as first contact): a call that
        connected (or whose outcome was not given), an e-mail, a meeting. Notes and tasks are
        the rep's own records."""
        if self.kind == CALL:
            return self.outcome in ("", "connected")
        return self.kind in (EMAIL, MEETING)

    def complete(self, at: dt.datetime) -> None:
        if not self.is_task:
            raise FailedPrecondition(
                f"this {self.kind} is not a task: only tasks can be done", field="id"
            )
        if self.done_at is not None:
            raise FailedPrecondition(f"task {self.subject!r} is already done", field="id")
        self.done_at = at


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    """Trimmed text without control characters (line breaks and tabs allowed in the body)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidArgument(f"{name} is required (1..{limit} characters)", field=name)
    if len(value) > limit:
        raise InvalidArgument(f"{name} is longer than {limit} characters", field=name)
    allowed = "\n\t" if name == "body" else ""
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in value):
        raise InvalidArgument(f"{name} contains control characters", field=name)
    return value


def log_interaction(
    *,
    id: str,
    lead_id: str,
    team_id: str,
    kind: str,
    subject: str,
    logged_by: str,
    owner_user_id: str,
    now: dt.datetime,
    occurred_at: dt.datetime | None = None,
    body: str = "",
    direction: str = "",
    outcome: str = "",
    duration_minutes: int = 0,
    due_at: dt.datetime | None = None,
) -> Interaction:
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be one of {', '.join(KINDS)}; got {kind!r}", field="kind")
    if direction not in DIRECTIONS or (direction and kind not in (CALL, EMAIL)):
        raise InvalidArgument(
            "direction (inbound/outbound) applies to calls and e-mails only", field="direction"
        )
    if outcome not in OUTCOMES:
        raise InvalidArgument(
            f"outcome must be one of {', '.join(o for o in OUTCOMES if o)}; got {outcome!r}",
            field="outcome",
        )
    if outcome and kind != CALL:
        raise InvalidArgument("an outcome applies to calls only", field="outcome")
    if not 0 <= duration_minutes <= MAX_MINUTES:
        raise InvalidArgument(
            f"duration_minutes must be 0..{MAX_MINUTES}", field="duration_minutes"
        )
    if duration_minutes and kind not in (CALL, MEETING):
        raise InvalidArgument(
            "a duration applies to calls and meetings only", field="duration_minutes"
        )
    if kind == TASK and due_at is None:
        raise InvalidArgument("a task needs a due date", field="due_at")
    if kind != TASK and due_at is not None:
        raise InvalidArgument("only tasks have a due date", field="due_at")
    if occurred_at is not None and kind != TASK and occurred_at > now + CLOCK_SKEW:
        raise InvalidArgument(
            "a call, e-mail, meeting or note cannot have happened in the future; "
            "plan future work as a task",
            field="occurred_at",
        )
    return Interaction(
        id=id,
        lead_id=lead_id,
        team_id=team_id,
        kind=kind,
        subject=_text(subject, "subject", MAX_SUBJECT, required=True),
        body=_text(body, "body", MAX_BODY),
        logged_by=logged_by,
        owner_user_id=owner_user_id,
        occurred_at=occurred_at or now,
        created_at=now,
        direction=direction,
        outcome=outcome,
        duration_minutes=duration_minutes,
        due_at=due_at,
    )
