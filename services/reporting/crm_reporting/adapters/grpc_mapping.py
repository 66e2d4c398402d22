"""gRPC translation of SalesReportsService (no rules here): requests -> scope and period, and
the domain's figures -> responses. Amounts leave rounded to their currency's minor units,
percentages and days as one-decimal strings (docs/services/reporting.md, "Rounding")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from crm.common.v1 import money_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm_chassis.auth import current_principal
from crm_chassis.caller import Caller
from crm_chassis.wire import enums
from crm_reporting.domain.figures import Amounts, money, one_decimal
from crm_reporting.domain.kpis.closed import Cycle
from crm_reporting.domain.kpis.cycle import OpenDealAge
from crm_reporting.domain.kpis.forecast import Forecast
from crm_reporting.domain.kpis.funnel import PipelineFunnel
from crm_reporting.domain.kpis.leaderboard import Leaderboard, LeaderboardRow
from crm_reporting.domain.kpis.lost_reasons import LostBucket, LostReasons
from crm_reporting.domain.kpis.targets import TargetVsActual
from crm_reporting.domain.kpis.velocity import Velocity
from crm_reporting.domain.kpis.win_rate import WinRate
from crm_reporting.domain.periods import Period, PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer.reports import CycleReport, Dashboard, VelocityReport

_CATEGORY = {
    "pipeline": pb.FORECAST_CATEGORY_PIPELINE,
    "best_case": pb.FORECAST_CATEGORY_BEST_CASE,
    "commit": pb.FORECAST_CATEGORY_COMMIT,
}


def caller() -> Caller | None:
    """The verified caller of the current call (the chassis server verified the token)."""
    principal = current_principal()
    return None if principal is None else Caller.from_principal(principal)


# -- requests ----------------------------------------------------------------------------------
def scope(request: Any) -> Scope:
    kind = enums.to_domain(pb.ScopeKind, request.scope.kind, ScopeKind, "scope.kind")
    return Scope.of(kind, request.scope.id, request.scope.sales_line_id)


def period(request: Any) -> Period:
    p = request.period
    kind = enums.to_domain(pb.PeriodKind, p.kind, PeriodKind, "period.kind")
    return resolve(
        kind, date=p.date, start_date=p.start_date, end_date=p.end_date, time_zone=p.time_zone
    )


def bucket(request: pb.ForecastRequest) -> PeriodKind | None:
    return enums.to_domain(pb.PeriodKind, request.bucket, PeriodKind, "bucket")


# -- values ------------------------------------------------------------------------------------
def _money(amount: Decimal, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount=f"{money(amount, currency):f}", currency=currency)


def _amounts(amounts: Amounts) -> list[money_pb2.Money]:
    return [money_pb2.Money(amount=f"{a:f}", currency=c) for c, a in amounts.rounded()]


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{one_decimal(value):f}"


def resolved(p: Period) -> pb.ResolvedPeriod:
    message = pb.ResolvedPeriod(label=p.label, time_zone=p.time_zone)
    message.start.FromDatetime(p.start.astimezone(dt.UTC).replace(tzinfo=None))
    message.end.FromDatetime(p.end.astimezone(dt.UTC).replace(tzinfo=None))
    return message


# -- responses ---------------------------------------------------------------------------------
def funnel_response(p: Period, pipelines: list[PipelineFunnel]) -> pb.FunnelResponse:
    return pb.FunnelResponse(
        period=resolved(p),
        pipelines=[
            pb.PipelineFunnel(
                pipeline_id=f.pipeline_id,
                sales_line_id=f.sales_line_id,
                created=f.created,
                won=f.won,
                opportunity_to_won_percent=_text(f.opportunity_to_won),
                stages=[
                    pb.FunnelStage(
                        stage_key=s.key,
                        stage_name=s.name,
                        open_deals=s.open_deals,
                        open_value=_amounts(s.open_value),
                        reached=s.reached,
                        conversion_to_next_percent=_text(s.conversion_to_next),
                        completed_stays=s.completed_stays,
                        mean_days=_text(s.mean_days),
                        median_days=_text(s.median_days),
                        expected_days=s.expected_days,
                        stuck_deals=s.stuck_deals,
                    )
                    for s in f.stages
                ],
            )
            for f in pipelines
        ],
    )


def win_rate_message(rate: WinRate) -> pb.WinRate:
    return pb.WinRate(
        won=rate.won,
        lost=rate.lost,
        percent=_text(rate.percent),
        by_value=[
            pb.ValueWinRate(
                currency=c,
                won=_money(rate.won_value.get(c), c),
                lost=_money(rate.lost_value.get(c), c),
                percent=_text(rate.value_percent(c)),
            )
            for c in rate.currencies
        ],
    )


def win_rate_response(p: Period, rate: WinRate) -> pb.WinRateResponse:
    return pb.WinRateResponse(period=resolved(p), win_rate=win_rate_message(rate))


def _bucket(b: LostBucket) -> pb.LostBucket:
    return pb.LostBucket(
        key=b.key,
        count=b.count,
        value=_amounts(b.value),
        share_percent=_text(b.share_percent),
        previous_count=b.previous_count,
    )


def lost_reasons_response(p: Period, lost: LostReasons) -> pb.LostReasonsResponse:
    return pb.LostReasonsResponse(
        period=resolved(p),
        previous_period=resolved(p.previous()),
        lost=lost.lost,
        reasons=[_bucket(b) for b in lost.reasons],
        competitors=[_bucket(b) for b in lost.competitors],
    )


def _cycle(c: Cycle) -> pb.SalesCycle:
    return pb.SalesCycle(won=c.won, mean_days=_text(c.mean_days), median_days=_text(c.median_days))


def _age(a: OpenDealAge) -> pb.OpenDealAge:
    return pb.OpenDealAge(
        deal_id=a.deal_id,
        team_id=a.team_id,
        owner_user_id=a.owner_user_id,
        age_days=_text(a.age_days),
        ratio_to_mean="" if a.ratio_to_mean is None else f"{a.ratio_to_mean:f}",
        slow=a.slow,
    )


def cycle_response(report: CycleReport) -> pb.SalesCycleResponse:
    return pb.SalesCycleResponse(
        period=resolved(report.period),
        cycle=_cycle(report.cycle),
        open_deals=[_age(a) for a in report.open_deals],
    )


def _velocity(v: Velocity) -> pb.Velocity:
    entries = []
    for c in v.currencies:
        entry = pb.CurrencyVelocity(
            currency=c.currency,
            open_deals=c.open_deals,
            win_rate_percent=_text(c.win_rate_percent),
            cycle_days=_text(c.cycle_days),
        )
        if c.average_won is not None:
            entry.average_won.CopyFrom(_money(c.average_won, c.currency))
        if c.per_day is not None:
            entry.per_day.CopyFrom(_money(c.per_day, c.currency))
        entries.append(entry)
    return pb.Velocity(period=resolved(v.period), currencies=entries)


def velocity_response(report: VelocityReport) -> pb.SalesVelocityResponse:
    return pb.SalesVelocityResponse(
        current=_velocity(report.current),
        previous=_velocity(report.previous),
        changes=[
            pb.VelocityChange(currency=c, percent=_text(change))
            for c, change in report.changes.items()
        ],
    )


def forecast_response(p: Period, f: Forecast) -> pb.ForecastResponse:
    return pb.ForecastResponse(
        period=resolved(p),
        rows=[
            pb.ForecastRow(
                close_period=r.close_period,
                category=_CATEGORY[r.category],
                currency=r.currency,
                deals=r.deals,
                open_value=_money(r.open_value, r.currency),
                weighted_value=_money(r.weighted_value, r.currency),
            )
            for r in f.rows
        ],
        totals=[
            pb.ForecastTotals(
                close_period=t.close_period,
                currency=t.currency,
                commit=_money(t.commit, t.currency),
                best_case=_money(t.best_case, t.currency),
                pipeline=_money(t.pipeline, t.currency),
                weighted=_money(t.weighted, t.currency),
                won=_money(t.won, t.currency),
            )
            for t in f.totals
        ],
    )


def targets_response(p: Period, rows: list[TargetVsActual]) -> pb.TargetsVsActualResponse:
    return pb.TargetsVsActualResponse(
        period=resolved(p),
        targets=[
            pb.TargetVsActual(
                sales_line_id=r.target.sales_line_id,
                team_id=r.target.team_id,
                period=r.target.period,
                target_amount=_money(r.target.amount, r.target.currency),
                actual_amount=_money(r.actual_amount, r.target.currency),
                amount_attainment_percent=_text(r.amount_percent),
                target_deals=r.target.deal_count,
                actual_deals=r.actual_deals,
                deals_attainment_percent=_text(r.deals_percent),
            )
            for r in rows
        ],
    )


def _row(r: LeaderboardRow) -> pb.LeaderboardRow:
    return pb.LeaderboardRow(
        id=r.id,
        won=r.won,
        lost=r.lost,
        won_value=_amounts(r.won_value),
        win_rate_percent=_text(r.win_rate_percent),
        cycle_days=_text(r.cycle_days),
        activities_done=r.activities.done,
        tasks_completed=r.activities.tasks_completed,
        tasks_on_time=r.activities.tasks_on_time,
        tasks_on_time_percent=_text(r.activities.on_time_percent),
    )


def leaderboard_response(p: Period, board: Leaderboard) -> pb.LeaderboardResponse:
    return pb.LeaderboardResponse(
        period=resolved(p), reps=[_row(r) for r in board.reps], teams=[_row(r) for r in board.teams]
    )


def dashboard_response(d: Dashboard) -> pb.DashboardResponse:
    response = pb.DashboardResponse(
        funnel=funnel_response(d.period, d.funnel),
        win_rate=win_rate_response(d.period, d.win_rate),
        cycle=cycle_response(d.cycle),
        velocity=velocity_response(d.velocity),
        forecast=forecast_response(d.period, d.forecast),
    )
    if d.targets is not None:
        response.targets.CopyFrom(targets_response(d.period, d.targets))
    return response
