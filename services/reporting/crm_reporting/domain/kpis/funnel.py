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


def pipeline_funnel(
    pipeline: PipelineSnapshot,
    open_deals: Iterable[DealFact],
    created: Iterable[DealFact],
    ended_stays: Iterable[DealFact],
    period: Period,
    now: dt.datetime,
) -> PipelineFunnel:
    """``ended_stays``: deals with a stay that ended in the period (only those stays count)."""
    stages = pipeline.stages
    positions = {stage.key: index for index, stage in enumerate(stages)}
    last = len(stages) - 1
    mine_open = [d for d in open_deals if d.is_open and d.pipeline_id == pipeline.id]
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
        at_stage = [d for d in mine_open if d.stage_key == stage.key]
        value = Amounts()
        for deal in at_stage:
            value.add(deal.currency, deal.value)
        limit = dt.timedelta(days=stage.expected_days)
        stuck = sum(
            1
            for d in at_stage
            if stage.expected_days > 0 and d.stage_entered_at and now - d.stage_entered_at > limit
        )
        following = reached[index + 1] if index < last else None
        rows.append(
            FunnelStage(
                key=stage.key,
                name=stage.name,
                expected_days=stage.expected_days,
                open_deals=len(at_stage),
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
