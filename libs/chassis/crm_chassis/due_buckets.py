"""When a task is due, in the person's time zone: the buckets of "my tasks" lists.

Buckets are counted in the person's time zone (the day and the ISO week, Monday first, in which
"now" falls there): overdue (due before now), today (due later today), this week (due after
today, before the week ends), later. Deals' tasks (accounts, contacts, deals) and leads' tasks
(on unconverted leads) are bucketed alike, so a list that merges both agrees with each.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_chassis.errors import InvalidArgument

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


def bucket(due_at: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> str:
    """The bucket of an open task due at ``due_at``."""
    end_of_today, end_of_week = bucket_edges(now, tz)
    if due_at < now:
        return OVERDUE
    if due_at < end_of_today:
        return TODAY
    if due_at < end_of_week:
        return THIS_WEEK
    return LATER


def due_before(filter_: str, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """The due time a list filter reads up to: "" (overdue, today and this week) and each
    bucket but "later" end somewhere; "later" and "all" read everything (None)."""
    end_of_today, end_of_week = bucket_edges(now, tz)
    return {"": end_of_week, OVERDUE: now, TODAY: end_of_today, THIS_WEEK: end_of_week}.get(filter_)


def reminder_due(
    due_at: dt.datetime | None,
    reminded_for: dt.datetime | None,
    now: dt.datetime,
    lead: dt.timedelta,
) -> bool:
    """A reminder is due once per due time: when the due time is within ``lead`` ahead (or has
    just passed, up to ``lead``, so a task made at the last moment is still reminded) and no
    reminder was sent for that due time (a task moved to a new due time is reminded again)."""
    return due_at is not None and reminded_for != due_at and now - lead <= due_at <= now + lead
