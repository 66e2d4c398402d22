"""A rep's day: their tasks due today and overdue, their open leads by score and their open
deals with the days in their stage. One call to leads and two to deals (its ``ListMyTasks``
counts the days in the person's time zone); a service that does not answer empties its part of
the page only (the page says so) instead of failing the whole day."""

from __future__ import annotations

from dataclasses import dataclass

from crm_console.domain.deals import Deal, DueTask
from crm_console.domain.errors import Unavailable
from crm_console.domain.leads import Lead
from crm_console.domain.session import Session
from crm_console.service_layer import leads
from crm_console.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class MyDeal:
    deal: Deal
    days_in_stage: int


@dataclass(frozen=True)
class MyDay:
    leads: tuple[Lead, ...] | None  # None: leads did not answer
    deals: tuple[MyDeal, ...] | None  # None: deals did not answer
    tasks: tuple[DueTask, ...] | None = ()  # overdue first, then today's; None: no answer


def my_day(deps: Dependencies, caller: Session, *, time_zone: str = "") -> MyDay:
    try:
        open_leads: tuple[Lead, ...] | None = leads.my_open_leads(deps, caller).leads
    except Unavailable:
        open_leads = None
    now = deps.clock.now()
    try:
        found = deps.deals.my_open_deals(caller.tokens.access_token, caller.person.user_id)
        deals: tuple[MyDeal, ...] | None = tuple(
            sorted(
                (MyDeal(d, leads.stage_age_days(d.stage_entered_at, now)) for d in found),
                key=lambda m: -m.days_in_stage,
            )
        )
    except Unavailable:
        deals = None
    try:
        # deals answers overdue, today's and this week's by due time: the day needs two of them.
        found_tasks = deps.deals.my_tasks(caller.tokens.access_token, time_zone)
        tasks: tuple[DueTask, ...] | None = tuple(t for t in found_tasks if t.due_by_today)
    except Unavailable:
        tasks = None
    return MyDay(leads=open_leads, deals=deals, tasks=tasks)
