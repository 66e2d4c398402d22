"""A person's tasks across every record: which bucket each falls in, and when a reminder is due.

Buckets are counted in the person's time zone (crm_chassis.due_buckets, shared with leads' tasks
on unconverted leads): overdue, today, this week, later. Done tasks fall in no bucket.

A reminder is due once per due time: when the due time is within the lead time ahead (or has
just passed, up to the lead time, so a task made at the last moment is still reminded) and no
reminder was sent for that due time; a task moved to a new due time is reminded again.
"""

from __future__ import annotations

import datetime as dt

from crm_chassis import due_buckets
from crm_chassis.due_buckets import BUCKETS, LATER, OVERDUE, THIS_WEEK, TODAY, bucket_edges, zone
from crm_deals.domain.activities import Activity

__all__ = [
    "BUCKETS",
    "LATER",
    "OVERDUE",
    "THIS_WEEK",
    "TODAY",
    "bucket_edges",
    "bucket_of",
    "mark_reminded",
    "reminder_due",
    "zone",
]


def bucket_of(task: Activity, now: dt.datetime, tz: dt.tzinfo) -> str:
    if not task.is_task or task.due_at is None or task.done_at is not None:
        raise ValueError("only open tasks have a bucket")
    return due_buckets.bucket(task.due_at, now, tz)


def reminder_due(task: Activity, now: dt.datetime, lead: dt.timedelta) -> bool:
    return (
        task.is_task
        and task.done_at is None
        and task.due_at is not None
        and task.reminded_for != task.due_at
        and now - lead <= task.due_at <= now + lead
    )


def mark_reminded(task: Activity) -> None:
    """Not a change of the task (no version, no history): the worker's bookkeeping."""
    task.reminded_for = task.due_at
