"""In-app notifications: what a person is told, and why.

A notification is personal (one row per recipient) and about one record. It is written by deals'
worker from a notification command committed with its cause, once per command
(adapters/automation_delivery.py): automation rules, task reminders, assignments, hand-overs,
transfers and mentions. Its id is the command's idempotency key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

AUTOMATION, REMINDER, ASSIGNED = "automation", "reminder", "assigned"
HANDED_OVER, TRANSFERRED, MENTIONED = "handed_over", "transferred", "mentioned"
KINDS = (AUTOMATION, REMINDER, ASSIGNED, HANDED_OVER, TRANSFERRED, MENTIONED)


@dataclass(frozen=True)
class Notification:
    id: str
    user_id: str
    kind: str
    record_type: str
    record_id: str
    title: str
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    # The team of the record when it was written: the visibility of a notification on a record
    # deals does not keep (a lead's task reminder), whose current team deals cannot look up.
    team_id: str = ""

    @property
    def unread(self) -> bool:
        return self.read_at is None
