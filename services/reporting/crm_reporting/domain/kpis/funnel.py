"""Funnel of each pipeline in scope, in the pipeline's current stage order:

- open deals and their value (per currency) at each stage now, and how many of them have been at
  it longer than the stage's expected days (stuck);
- of the deals created in the period: how many reached each stage (were at it or at a later
  stage, or were won), and the conversion to the next stage = reached(next) / reached(this);
  created, won by now, and opportunity -> won = won / created;
- the stays in each stage that ended in the period: mean and median days, beside the stage's
  expected days.

Stages no longer in the pipeline (removed by a revision) are not shown; their deals were moved
by deals, and the move is a stay of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import WON, DealFact
from crm_reporting.domain.events import PipelineSnapshot
from crm_reporting.domain.figures import Amounts, median_length, percent
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class FunnelStage:
    key: str
    name: str
    expected_days: int
    open_deals: int
    open_value: Amounts
    stuck_deals: int
    reached: int
    conversion_to_next: Decimal | None
    completed_stays: int
    mean_days: Decimal | None
    median_days: Decimal | None


@dataclass(frozen=True)
class PipelineFunnel:
    pipeline_id: str
    sales_line_id: str
    stages: list[FunnelStage]
    created: int
    won: int
    opportunity_to_won: Decimal | None


def _reached_index(group: CohortGroup, positions: dict[str, int], last: int) -> int:
    """Index of the furthest stage the group's deals reached (the last stage for a won deal);
    -1 if none."""
    if group.status == WON:
        return last
    reached = [] if group.furthest_stay is None else [group.furthest_stay]
    if group.stage_key in positions:
        reached.append(positions[group.stage_key])
    return max(reached, default=-1)


@dataclass(frozen=True)
class OpenStageGroup:
    """The open deals of one pipeline stage and currency: how many, their summed value (None when
    none has one) and how many are stuck (at the stage longer than its expected days). The store
    may count these in the database (``ReportStore.open_stage_groups``)."""

    pipeline_id: str
    stage_key: str
    currency: str
    deals: int
    value: Decimal | None
    stuck: int


def stuck_before(
    pipelines: Iterable[PipelineSnapshot], now: dt.datetime
) -> dict[tuple[str, str], dt.datetime]:
    """{(pipeline, stage): the entry time before which an open deal at it is stuck}, for the
    stages with expected days."""
    return {
        (p.id, stage.key): now - dt.timedelta(days=stage.expected_days)
        for p in pipelines
        for stage in p.stages
        if stage.expected_days > 0
    }


def open_stage_groups(
    open_deals: Iterable[DealFact], cutoffs: dict[tuple[str, str], dt.datetime]
) -> list[OpenStageGroup]:
    """The groups of ``open_deals`` (the definition the database's GROUP BY follows)."""
    counts: dict[tuple[str, str, str], int] = {}
    values: dict[tuple[str, str, str], Decimal] = {}
    stuck: dict[tuple[str, str, str], int] = {}
    for deal in open_deals:
        if not deal.is_open:
            continue
        key = (deal.pipeline_id, deal.stage_key, deal.currency)
        counts[key] = counts.get(key, 0) + 1
        if deal.value is not None:
            values[key] = values.get(key, Decimal(0)) + deal.value
        cutoff = cutoffs.get((deal.pipeline_id, deal.stage_key))
        if cutoff is not None and deal.stage_entered_at and deal.stage_entered_at < cutoff:
            stuck[key] = stuck.get(key, 0) + 1
    return [
        OpenStageGroup(*key, counts[key], values.get(key), stuck.get(key, 0))
        for key in sorted(counts)
    ]


@dataclass(frozen=True)
class CohortGroup:
    """Deals created in the period per pipeline, status, current stage and the furthest position
    (in the pipeline's current stages) of a stage they stayed at (None: no such stay). The store
    may count these in the database (``ReportStore.cohort_groups``)."""

    pipeline_id: str
    status: str
    stage_key: str
    furthest_stay: int | None
    deals: int


@dataclass(frozen=True)
class StayFigures:
    """The stays at one pipeline stage that ended in the period: how many, and their mean and
    median length in days (``stay_figures``)."""

    pipeline_id: str
    stage_key: str
    stays: int
    mean_days: Decimal | None
    median_days: Decimal | None


MICROS_PER_DAY = Decimal(86_400_000_000)


def stay_figures(
    pipeline_id: str, stage_key: str, count: int, total_micros: int, low: int, high: int
) -> StayFigures:
    """Figures of ``count`` stays lasting ``total_micros`` microseconds together, whose two
    middle lengths (the same one for an odd count) are ``low`` and ``high``. Lengths are exact
    integers of microseconds, so a database's SUM and ordered pick give exactly these figures;
    the median counts each length rounded to the hour (``figures.median_length``), so ``low``
    and ``high`` may also come already rounded from counts per hour of length."""
    if count == 0:
        return StayFigures(pipeline_id, stage_key, 0, None, None)
    mean_days = Decimal(total_micros) / (count * MICROS_PER_DAY)
    middle = Decimal(median_length(low)) + Decimal(median_length(high))
    median_days = middle / 2 / MICROS_PER_DAY
    return StayFigures(pipeline_id, stage_key, count, mean_days, median_days)


def stay_figures_of(pipeline_id: str, stage_key: str, lengths: list[int]) -> StayFigures:
    """``stay_figures`` of the stay lengths (microseconds) themselves."""
    ordered = sorted(lengths)
    n = len(ordered)
    if n == 0:
        return stay_figures(pipeline_id, stage_key, 0, 0, 0, 0)
    return stay_figures(
        pipeline_id, stage_key, n, sum(ordered), ordered[(n - 1) // 2], ordered[n // 2]
    )


def micros(length: dt.timedelta) -> int:
    return length // dt.timedelta(microseconds=1)


def cohort_groups(
    created: Iterable[DealFact], pipelines: Iterable[PipelineSnapshot]
) -> list[CohortGroup]:
    """The groups of the ``created`` deals (the definition the database's GROUP BY follows)."""
    positions = {p.id: {stage.key: i for i, stage in enumerate(p.stages)} for p in pipelines}
    counts: dict[tuple[str, str, str, int | None], int] = {}
    for deal in created:
        mine = positions.get(deal.pipeline_id, {})
        stays = [mine[s.stage_key] for s in deal.stays if s.stage_key in mine]
        key = (deal.pipeline_id, deal.status, deal.stage_key, max(stays, default=None))
        counts[key] = counts.get(key, 0) + 1
    return [CohortGroup(*key, n) for key, n in counts.items()]


def ended_stay_figures(
    ended_stays: Iterable[DealFact], start: dt.datetime, end: dt.datetime
) -> list[StayFigures]:
    """Per (pipeline, stage): the stays that ended in [start, end) of ``ended_stays``."""
    lengths: dict[tuple[str, str], list[int]] = {}
    for deal in ended_stays:
        for stay in deal.stays:
            if stay.left_at is not None and start <= stay.left_at < end:
                key = (deal.pipeline_id, stay.stage_key)
                lengths.setdefault(key, []).append(micros(stay.left_at - stay.entered_at))
    return [stay_figures_of(*key, values) for key, values in sorted(lengths.items())]


def pipeline_funnel(
    pipeline: PipelineSnapshot,
    open_deals: Iterable[DealFact],
    created: Iterable[DealFact],
    ended_stays: Iterable[DealFact],
    period: Period,
    now: dt.datetime,
) -> PipelineFunnel:
    """``ended_stays``: deals with a stay that ended in the period (only those stays count)."""
    groups = open_stage_groups(open_deals, stuck_before([pipeline], now))
    cohort = cohort_groups((d for d in created if period.contains(d.created_at)), [pipeline])
    stays = ended_stay_figures(ended_stays, period.start, period.end)
    return funnel_of(pipeline, groups, cohort, stays)


def funnel_of(
    pipeline: PipelineSnapshot,
    open_groups: Iterable[OpenStageGroup],
    cohort: Iterable[CohortGroup],
    stays: Iterable[StayFigures],
) -> PipelineFunnel:
    """The funnel from the open deals' groups (stuck counted against the stage's expected days
    by ``stuck_before``), the period's created deals' groups and its ended stays' figures."""
    stages = pipeline.stages
    positions = {stage.key: index for index, stage in enumerate(stages)}
    last = len(stages) - 1
    mine_open = [g for g in open_groups if g.pipeline_id == pipeline.id]
    mine_cohort = [g for g in cohort if g.pipeline_id == pipeline.id]
    reached = [0] * len(stages)
    for group in mine_cohort:
        furthest = _reached_index(group, positions, last)
        for index in range(furthest + 1):
            reached[index] += group.deals
    figures = {f.stage_key: f for f in stays if f.pipeline_id == pipeline.id}
    rows = []
    for index, stage in enumerate(stages):
        at_stage = [g for g in mine_open if g.stage_key == stage.key]
        value = Amounts()
        for open_group in at_stage:
            value.add(open_group.currency, open_group.value)
        stuck = sum(g.stuck for g in at_stage) if stage.expected_days > 0 else 0
        following = reached[index + 1] if index < last else None
        stay = figures.get(stage.key)
        rows.append(
            FunnelStage(
                key=stage.key,
                name=stage.name,
                expected_days=stage.expected_days,
                open_deals=sum(g.deals for g in at_stage),
                open_value=value,
                stuck_deals=stuck,
                reached=reached[index],
                conversion_to_next=None
                if following is None
                else percent(following, reached[index]),
                completed_stays=stay.stays if stay else 0,
                mean_days=stay.mean_days if stay else None,
                median_days=stay.median_days if stay else None,
            )
        )
    created = sum(g.deals for g in mine_cohort)
    won = sum(g.deals for g in mine_cohort if g.status == WON)
    return PipelineFunnel(
        pipeline.id, pipeline.sales_line_id, rows, created, won, percent(won, created)
    )
