"""A rep's day: their tasks due today and overdue, their open leads by score and their open
deals with the days in their stage against how long deals usually stay there. Two calls to leads
(its ``ListMyLeadTasks`` gives the tasks on unconverted leads), two to deals (its ``ListMyTasks``
counts the days in the person's time zone, as leads' does) and one to reporting; a service that does not answer empties its part of the page only (the page says so)
instead of failing the whole day.

The usual stay is reporting's funnel for the team of the person's deals over the last twelve
months (reporting's any-range period, up to and including today): the mean days completed stays
at each pipeline stage lasted. Reporting refuses a rep who may not report
on the team (``view_reports`` belongs to supervisors and managers), and may not answer; then,
and for a stage without completed stays, the pipeline's expected days are the comparison (one
more call to deals, only then), and the page says which comparison each deal shows. A deal is
"slower than usual" when its days are above the average and, where the stage has expected days,
above those too: reporting counts a deal as stuck only past the expected days, so a deal within
the pipeline's expectation is never flagged even in a team that is usually quicker."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crm_console.domain.deals import Deal, DueTask
from crm_console.domain.errors import NotFound, Refused, Unavailable
from crm_console.domain.leads import Lead
from crm_console.domain.reports import PipelineFunnel, ReportScope, last_twelve_months
from crm_console.domain.session import Session
from crm_console.service_layer import leads
from crm_console.service_layer.dependencies import Dependencies

# What a deal's days in stage are compared with.
AVERAGE = "average"  # reporting's mean days of the team's completed stays at the stage
EXPECTED = "expected"  # the pipeline's expected days for the stage

# (sales line, stage key) -> days
StageDays = dict[tuple[str, str], Decimal]


@dataclass(frozen=True)
class MyDeal:
    deal: Deal
    days_in_stage: int
    usual_days: Decimal | None = None  # None: nothing to compare with
    compared_with: str = ""  # AVERAGE, EXPECTED or "" (nothing)
    slower: bool = False  # "slower than usual"


@dataclass(frozen=True)
class MyDay:
    leads: tuple[Lead, ...] | None  # None: leads did not answer
    deals: tuple[MyDeal, ...] | None  # None: deals did not answer
    tasks: tuple[DueTask, ...] | None = ()  # overdue first, then today's; None: no answer
    averages_shown: bool = False  # False: reporting refused or did not answer
    averages_label: str = ""  # the period reporting computed the averages for


def _days(text: str) -> Decimal | None:
    try:
        days = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return days if days.is_finite() else None


def _team_of(found: tuple[Deal, ...]) -> str:
    """The team most of the deals are in (the smallest id on a tie): one funnel per page."""
    counts = Counter(d.team_id for d in found if d.team_id)
    return min(counts, key=lambda team: (-counts[team], team)) if counts else ""


def stage_days(funnels: tuple[PipelineFunnel, ...]) -> tuple[StageDays, StageDays]:
    """The mean days (stages with completed stays only) and the expected days (stages that
    have an expectation) per (sales line, stage)."""
    means: StageDays = {}
    expected: StageDays = {}
    for funnel in funnels:
        for stage in funnel.stages:
            mean = _days(stage.mean_days)
            if mean is not None:  # reporting leaves it empty for a stage without stays
                means[(funnel.sales_line_id, stage.key)] = mean
            if stage.expected_days:
                expected[(funnel.sales_line_id, stage.key)] = Decimal(stage.expected_days)
    return means, expected


def compared(mine: MyDeal, means: StageDays, expected: StageDays, team_id: str) -> MyDeal:
    """The deal beside its stage's usual stay (see the module's docstring for the rule)."""
    key = (mine.deal.sales_line_id, mine.deal.stage_key)
    limit = expected.get(key)
    average = means.get(key) if mine.deal.team_id == team_id else None
    days = Decimal(mine.days_in_stage)
    if average is not None:
        slower = days > average and (limit is None or days > limit)
        return MyDeal(mine.deal, mine.days_in_stage, average, AVERAGE, slower)
    if limit is not None:
        return MyDeal(mine.deal, mine.days_in_stage, limit, EXPECTED, days > limit)
    return mine


def _uncovered(deal: Deal, means: StageDays, expected: StageDays, team_id: str) -> bool:
    key = (deal.sales_line_id, deal.stage_key)
    return key not in expected and (key not in means or deal.team_id != team_id)


def _expected_days(deps: Dependencies, token: str) -> StageDays:
    try:
        pipelines = deps.deals.pipeline_details(token)
    except (NotFound, Refused, Unavailable):
        return {}
    return {
        (p.sales_line_id, s.key): Decimal(s.expected_days)
        for p in pipelines
        for s in p.stages
        if s.expected_days
    }


def with_usual_stays(
    deps: Dependencies, caller: Session, found: tuple[MyDeal, ...], today: dt.date
) -> tuple[tuple[MyDeal, ...], str | None]:
    """The deals compared with their usual stay, and the averages' period label (None when
    reporting refused or did not answer: the expected days are shown instead)."""
    token = caller.tokens.access_token
    team_id = _team_of(tuple(m.deal for m in found))
    label: str | None = None
    means: StageDays = {}
    expected: StageDays = {}
    if team_id:
        try:
            report = deps.reporting.funnel(
                token, ReportScope("team", team_id), last_twelve_months(today)
            )
            label = report.label
            means, expected = stage_days(report.figures)
        except (NotFound, Refused, Unavailable):
            label = None
    # reporting's funnel carries the expected days of its team's pipelines; deals are asked
    # only for a deal it does not cover (refused, no answer, another team's line).
    if any(_uncovered(m.deal, means, expected, team_id) for m in found):
        expected = {**_expected_days(deps, token), **expected}
    return tuple(compared(m, means, expected, team_id) for m in found), label


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
    label: str | None = None
    if deals:
        deals, label = with_usual_stays(deps, caller, deals, now.date())
    # deals (accounts, contacts, deals) and leads (unconverted leads) each answer overdue,
    # today's and this week's by due time: the day needs two of them, merged by due time. Without
    # deals' part the list is not shown (the page says deals did not answer); without leads'
    # part deals' is shown, leads' silence showing in its own part of the page.
    try:
        found_tasks = deps.deals.my_tasks(caller.tokens.access_token, time_zone)
    except Unavailable:
        found_tasks = None
    if found_tasks is not None:
        try:
            found_tasks += deps.leads.my_tasks(caller.tokens.access_token, time_zone)
        except Unavailable:
            pass
    tasks: tuple[DueTask, ...] | None = None
    if found_tasks is not None:
        tasks = tuple(
            sorted(
                (t for t in found_tasks if t.due_by_today),
                key=lambda t: (t.task.due_at or now, t.task.id),
            )
        )
    return MyDay(
        leads=open_leads,
        deals=deals,
        tasks=tasks,
        averages_shown=label is not None,
        averages_label=label or "",
    )
