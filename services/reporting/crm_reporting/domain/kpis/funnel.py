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
from crm_reporting.domain.figures import Amounts, days, mean, median, percent
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


def _reached_index(deal: DealFact, positions: dict[str, int], last: int) -> int:
    """Index of the furthest stage the deal reached (the last stage for a won deal); -1 if none."""
    if deal.status == WON:
        return last
    reached = [positions[s.stage_key] for s in deal.stays if s.stage_key in positions]
    if deal.stage_key in positions:
        reached.append(positions[deal.stage_key])
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
    return funnel_of(pipeline, groups, created, ended_stays, period)


def funnel_of(
    pipeline: PipelineSnapshot,
    open_groups: Iterable[OpenStageGroup],
    created: Iterable[DealFact],
    ended_stays: Iterable[DealFact],
    period: Period,
) -> PipelineFunnel:
    """The funnel from the open deals' groups (stuck counted against the stage's expected days
    by ``stuck_before``) and the period's created deals and ended stays."""
    stages = pipeline.stages
    positions = {stage.key: index for index, stage in enumerate(stages)}
    last = len(stages) - 1
    mine_open = [g for g in open_groups if g.pipeline_id == pipeline.id]
    cohort = [d for d in created if d.pipeline_id == pipeline.id and period.contains(d.created_at)]
    furthest = [_reached_index(d, positions, last) for d in cohort]
    reached = [sum(1 for f in furthest if f >= index) for index in range(len(stages))]
    lengths: dict[str, list[Decimal]] = {stage.key: [] for stage in stages}
    for deal in ended_stays:
        if deal.pipeline_id != pipeline.id:
            continue
        for stay in deal.stays:
            seconds = stay.seconds()
            if seconds is not None and stay.stage_key in lengths and period.contains(stay.left_at):
                lengths[stay.stage_key].append(days(seconds))
    rows = []
    for index, stage in enumerate(stages):
        at_stage = [g for g in mine_open if g.stage_key == stage.key]
        value = Amounts()
        for group in at_stage:
            value.add(group.currency, group.value)
        stuck = sum(g.stuck for g in at_stage) if stage.expected_days > 0 else 0
        following = reached[index + 1] if index < last else None
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
                completed_stays=len(lengths[stage.key]),
                mean_days=mean(lengths[stage.key]),
                median_days=median(lengths[stage.key]),
            )
        )
    won = sum(1 for d in cohort if d.status == WON)
    return PipelineFunnel(
        pipeline.id, pipeline.sales_line_id, rows, len(cohort), won, percent(won, len(cohort))
    )
