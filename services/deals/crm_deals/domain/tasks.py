"""A person's tasks across every record: which bucket each falls in, and when a reminder is due.

Buckets are counted in the person's time zone (the day and the ISO week, Monday first, in which
"now" falls there): overdue (due before now), today (due later today), this week (due after
today, before the week ends), later. Done tasks fall in no bucket.

A reminder is due once per due time: when the due time is within the lead time ahead (or has
just passed, up to the lead time, so a task made at the last moment is still reminded) and no
reminder was sent for that due time; a task moved to a new due time is reminded again.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_chassis.errors import InvalidArgument
from crm_deals.domain.activities import Activity

OVERDUE, TODAY, THIS_WEEK, LATER = "overdue", "today", "this_week", "later"
BUCKETS = (OVERDUE, TODAY, THIS_WEEK, LATER)


def zone(name: str) -> dt.tzinfo:
    """The IANA time zone ``name`` ("" = UTC)."""
    if not (name or "").strip():
        return dt.UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, unreadable
        raise InvalidArgument(
            f"time_zone {name!r} is not an IANA time zone (e.g. Europe/Berlin)",
            field="time_zone",
        ) from None


def bucket_edges(now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """(end of today, end of this week) in ``tz``, as aware instants."""
    local = now.astimezone(tz)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_today = (start_of_day + dt.timedelta(days=1)).replace(tzinfo=None)
    end_of_week = (start_of_day + dt.timedelta(days=7 - local.weekday())).replace(tzinfo=None)
    # Calendar arithmetic in local wall time, then back to the zone (DST-safe).
    return end_of_today.replace(tzinfo=tz), end_of_week.replace(tzinfo=tz)


def bucket_of(task: Activity, now: dt.datetime, tz: dt.tzinfo) -> str:
    if not task.is_task or task.due_at is None or task.done_at is not None:
        raise ValueError("only open tasks have a bucket")
    end_of_today, end_of_week = bucket_edges(now, tz)
    if task.due_at < now:
        return OVERDUE
    if task.due_at < end_of_today:
        return TODAY
    if task.due_at < end_of_week:
        return THIS_WEEK
    return LATER


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
