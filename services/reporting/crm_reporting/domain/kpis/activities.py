"""Activities of people for the leaderboard: activities done in the period (calls, e-mails,
meetings and notes that took place in it, and tasks completed in it) and tasks completed on
time (done at or before their due time, or without one), per owner and per team (the activity's
current team and owner: an activity belongs to whoever it was handed to)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.events import ActivitySnapshot
from crm_reporting.domain.figures import percent
from crm_reporting.domain.periods import Period

TASK = "task"


@dataclass(frozen=True)
class ActivityCounts:
    done: int = 0
    tasks_completed: int = 0
    tasks_on_time: int = 0

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent(self.tasks_on_time, self.tasks_completed)


def _counts(activities: list[ActivitySnapshot]) -> ActivityCounts:
    tasks = [a for a in activities if a.kind == TASK]
    on_time = sum(1 for a in tasks if a.due_at is None or (a.done_at and a.done_at <= a.due_at))
    return ActivityCounts(len(activities), len(tasks), on_time)


def done_in(activities: Iterable[ActivitySnapshot], period: Period) -> list[ActivitySnapshot]:
    return [
        a
        for a in activities
        if (a.kind == TASK and period.contains(a.done_at))
        or (a.kind != TASK and period.contains(a.occurred_at))
    ]


def activity_counts(
    activities: Iterable[ActivitySnapshot], period: Period, key: Callable[[ActivitySnapshot], str]
) -> dict[str, ActivityCounts]:
    groups: dict[str, list[ActivitySnapshot]] = {}
    for activity in done_in(activities, period):
        if key(activity):
            groups.setdefault(key(activity), []).append(activity)
    return {k: _counts(v) for k, v in groups.items()}
