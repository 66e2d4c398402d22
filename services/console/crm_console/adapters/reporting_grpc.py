"""reporting's sales and marketing reports, and territory's ListScopes (which teams the person
may see, for the dashboards' scope choice), always with the signed-in person's own token: the
figures are exactly those reporting lets this person see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from crm.reporting.v1 import (
    marketing_pb2,
    marketing_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
)
from crm.territory.v1 import access_pb2, access_pb2_grpc, teams_pb2
from crm_console.adapters.grpc_errors import refusals
from crm_console.adapters.grpc_mapping_deals import money_field, moneys
from crm_console.domain.reports import (
    AppliedRate,
    CampaignRoi,
    Conversion,
    CurrencyVelocity,
    Dashboard,
    DealAge,
    Forecast,
    ForecastRow,
    ForecastTotals,
    Leaderboard,
    LeaderRow,
    LostBucket,
    LostReasons,
    PipelineFunnel,
    Report,
    ReportPeriod,
    ReportScope,
    SalesCycle,
    TargetVsActual,
    TeamScope,
    ValueWinRate,
    Velocity,
    WinRate,
)
from crm_console.domain.reports import FunnelStage as Stage

SCOPE_KINDS = {
    "person": reports_pb2.SCOPE_KIND_PERSON,
    "team": reports_pb2.SCOPE_KIND_TEAM,
    "unit": reports_pb2.SCOPE_KIND_UNIT,
    "sales_line": reports_pb2.SCOPE_KIND_SALES_LINE,
    "company": reports_pb2.SCOPE_KIND_COMPANY,
}
PERIOD_KINDS = {
    "week": reports_pb2.PERIOD_KIND_WEEK,
    "month": reports_pb2.PERIOD_KIND_MONTH,
    "quarter": reports_pb2.PERIOD_KIND_QUARTER,
    "year": reports_pb2.PERIOD_KIND_YEAR,
}
CATEGORIES = {
    reports_pb2.FORECAST_CATEGORY_PIPELINE: "pipeline",
    reports_pb2.FORECAST_CATEGORY_BEST_CASE: "best_case",
    reports_pb2.FORECAST_CATEGORY_COMMIT: "commit",
}
ROLES = {
    teams_pb2.TEAM_ROLE_EXPERT: "expert",
    teams_pb2.TEAM_ROLE_SUPERVISOR: "supervisor",
    teams_pb2.TEAM_ROLE_MANAGER: "manager",
}


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def _scope(scope: ReportScope) -> reports_pb2.Scope:
    return reports_pb2.Scope(
        kind=SCOPE_KINDS[scope.kind], id=scope.id, sales_line_id=scope.sales_line_id
    )


def _period(period: ReportPeriod) -> reports_pb2.Period:
    if period.start is not None:
        return reports_pb2.Period(
            kind=reports_pb2.PERIOD_KIND_RANGE,
            start_date=period.start.isoformat(),
            end_date=period.day.isoformat(),
        )
    return reports_pb2.Period(kind=PERIOD_KINDS[period.kind], date=period.day.isoformat())


# ---------------------------------------------------------------- messages -> figures
def _conversion(answer: Any) -> Conversion | None:
    """The rates a report in a reporting currency used; None for a report per currency."""
    conversion = answer.conversion
    if not conversion.currency:
        return None
    return Conversion(
        conversion.currency,
        tuple(
            AppliedRate(
                currency=r.currency,
                to=r.to,
                rate=r.rate,
                rate_date=dt.date.fromisoformat(r.rate_date) if r.rate_date else None,
                inverse=r.inverse,
                source=r.source,
                amounts=r.amounts,
                explanation=r.explanation,
            )
            for r in conversion.rates
        ),
    )


def _funnel(answer: Any) -> tuple[PipelineFunnel, ...]:
    return tuple(
        PipelineFunnel(
            pipeline_id=p.pipeline_id,
            sales_line_id=p.sales_line_id,
            stages=tuple(
                Stage(
                    key=s.stage_key,
                    name=s.stage_name,
                    open_deals=s.open_deals,
                    open_value=moneys(s.open_value),
                    reached=s.reached,
                    conversion_to_next_percent=s.conversion_to_next_percent,
                    mean_days=s.mean_days,
                    median_days=s.median_days,
                    expected_days=s.expected_days,
                    stuck_deals=s.stuck_deals,
                )
                for s in p.stages
            ),
            created=p.created,
            won=p.won,
            opportunity_to_won_percent=p.opportunity_to_won_percent,
        )
        for p in answer.pipelines
    )


def _win_rate(message: Any) -> WinRate:
    return WinRate(
        won=message.won,
        lost=message.lost,
        percent=message.percent,
        by_value=tuple(
            ValueWinRate(v.currency, money_field(v, "won"), money_field(v, "lost"), v.percent)
            for v in message.by_value
        ),
    )


def _buckets(messages: Any) -> tuple[LostBucket, ...]:
    return tuple(
        LostBucket(b.key, b.count, moneys(b.value), b.share_percent, b.previous_count)
        for b in messages
    )


def _cycle(answer: Any) -> SalesCycle:
    return SalesCycle(
        won=answer.cycle.won,
        mean_days=answer.cycle.mean_days,
        median_days=answer.cycle.median_days,
        open_deals=tuple(
            DealAge(d.deal_id, d.team_id, d.owner_user_id, d.age_days, d.ratio_to_mean, d.slow)
            for d in answer.open_deals
        ),
    )


def _currencies(velocity: Any) -> tuple[CurrencyVelocity, ...]:
    return tuple(
        CurrencyVelocity(
            currency=c.currency,
            open_deals=c.open_deals,
            average_won=money_field(c, "average_won"),
            win_rate_percent=c.win_rate_percent,
            cycle_days=c.cycle_days,
            per_day=money_field(c, "per_day"),
        )
        for c in velocity.currencies
    )


def _velocity(answer: Any) -> Velocity:
    return Velocity(
        label=answer.current.period.label,
        previous_label=answer.previous.period.label,
        current=_currencies(answer.current),
        previous=_currencies(answer.previous),
        changes={c.currency: c.percent for c in answer.changes},
        conversion=_conversion(answer),
    )


def _forecast(answer: Any) -> Forecast:
    return Forecast(
        rows=tuple(
            ForecastRow(
                close_period=r.close_period,
                category=CATEGORIES.get(r.category, "pipeline"),
                currency=r.currency,
                deals=r.deals,
                open_value=money_field(r, "open_value"),
                weighted_value=money_field(r, "weighted_value"),
            )
            for r in answer.rows
        ),
        totals=tuple(
            ForecastTotals(
                close_period=t.close_period,
                currency=t.currency,
                commit=money_field(t, "commit"),
                best_case=money_field(t, "best_case"),
                pipeline=money_field(t, "pipeline"),
                weighted=money_field(t, "weighted"),
                won=money_field(t, "won"),
            )
            for t in answer.totals
        ),
    )


def _targets(answer: Any) -> tuple[TargetVsActual, ...]:
    return tuple(
        TargetVsActual(
            sales_line_id=t.sales_line_id,
            team_id=t.team_id,
            period=t.period,
            target_amount=money_field(t, "target_amount"),
            actual_amount=money_field(t, "actual_amount"),
            amount_attainment_percent=t.amount_attainment_percent,
            target_deals=t.target_deals,
            actual_deals=t.actual_deals,
            deals_attainment_percent=t.deals_attainment_percent,
        )
        for t in answer.targets
    )


def _leaders(rows: Any) -> tuple[LeaderRow, ...]:
    return tuple(
        LeaderRow(
            id=r.id,
            won=r.won,
            won_value=moneys(r.won_value),
            win_rate_percent=r.win_rate_percent,
            cycle_days=r.cycle_days,
            lost=r.lost,
            activities_done=r.activities_done,
            tasks_on_time_percent=r.tasks_on_time_percent,
        )
        for r in rows
    )


class ReportingGateway:
    def __init__(self, channel: grpc.Channel, territory: grpc.Channel, timeout: float) -> None:
        self._sales = reports_pb2_grpc.SalesReportsServiceStub(channel)
        self._marketing = marketing_pb2_grpc.MarketingReportsServiceStub(channel)
        self._access = access_pb2_grpc.AccessServiceStub(territory)
        self._timeout = timeout

    def _call(self, stub: Any, method: str, request: object, token: str) -> Any:
        with refusals():
            return getattr(stub, method)(request, timeout=self._timeout, metadata=_auth(token))

    def _sales_call(
        self, method: str, token: str, scope: ReportScope, period: ReportPeriod, **extra: Any
    ) -> Any:
        """``extra``: the request's other fields (``currency``: the reporting currency)."""
        request = getattr(reports_pb2, f"{method}Request")(
            scope=_scope(scope), period=_period(period), **extra
        )
        return self._call(self._sales, method, request, token)

    def scopes(self, token: str, user_id: str) -> tuple[TeamScope, ...]:
        request = access_pb2.ListScopesRequest(user_id=user_id)
        answer = self._call(self._access, "ListScopes", request, token)
        return tuple(
            TeamScope(s.team_id, ROLES.get(s.role, "expert"), s.unit_id)
            for s in answer.user_scopes.scopes
        )

    def dashboard(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Dashboard:
        answer = self._sales_call("Dashboard", token, scope, period, currency=currency)
        return Dashboard(
            label=answer.funnel.period.label,
            funnel=_funnel(answer.funnel),
            win_rate=_win_rate(answer.win_rate.win_rate),
            cycle=_cycle(answer.cycle),
            velocity=_velocity(answer.velocity),
            forecast=_forecast(answer.forecast),
            targets=_targets(answer.targets),
            conversion=_conversion(answer),
        )

    def funnel(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[tuple[PipelineFunnel, ...]]:
        answer = self._sales_call("Funnel", token, scope, period, currency=currency)
        return Report(answer.period.label, _funnel(answer), _conversion(answer))

    def win_rate(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[WinRate]:
        answer = self._sales_call("WinRate", token, scope, period, currency=currency)
        return Report(answer.period.label, _win_rate(answer.win_rate), _conversion(answer))

    def lost_reasons(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> LostReasons:
        answer = self._sales_call("LostReasons", token, scope, period, currency=currency)
        return LostReasons(
            label=answer.period.label,
            previous_label=answer.previous_period.label,
            lost=answer.lost,
            reasons=_buckets(answer.reasons),
            competitors=_buckets(answer.competitors),
            conversion=_conversion(answer),
        )

    def sales_cycle(
        self, token: str, scope: ReportScope, period: ReportPeriod, open_deal_limit: int
    ) -> Report[SalesCycle]:
        answer = self._sales_call(
            "SalesCycle", token, scope, period, open_deal_limit=open_deal_limit
        )
        return Report(answer.period.label, _cycle(answer))

    def velocity(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Velocity:
        return _velocity(self._sales_call("SalesVelocity", token, scope, period, currency=currency))

    def forecast(
        self,
        token: str,
        scope: ReportScope,
        period: ReportPeriod,
        bucket: str,
        *,
        currency: str = "",
    ) -> Report[Forecast]:
        answer = self._sales_call(
            "Forecast", token, scope, period, bucket=PERIOD_KINDS[bucket], currency=currency
        )
        return Report(answer.period.label, _forecast(answer), _conversion(answer))

    def targets(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[tuple[TargetVsActual, ...]]:
        answer = self._sales_call("TargetsVsActual", token, scope, period, currency=currency)
        return Report(answer.period.label, _targets(answer), _conversion(answer))

    def campaign_roi(
        self, token: str, scope: ReportScope, period: ReportPeriod
    ) -> Report[tuple[CampaignRoi, ...]]:
        request = marketing_pb2.CampaignRoiRequest(scope=_scope(scope), period=_period(period))
        answer = self._call(self._marketing, "CampaignRoi", request, token)
        return Report(
            answer.period.label,
            tuple(
                CampaignRoi(
                    campaign_id=c.campaign_id,
                    name=c.name,
                    channel=c.channel,
                    cost=money_field(c, "cost"),
                    won_revenue=money_field(c, "won_revenue"),
                    won_deals=c.won_deals,
                    roi_percent=c.roi_percent,
                    other_currencies=moneys(c.other_currencies),
                )
                for c in answer.campaigns
            ),
        )

    def leaderboard(
        self,
        token: str,
        scope: ReportScope,
        period: ReportPeriod,
        limit: int,
        *,
        currency: str = "",
    ) -> Report[Leaderboard]:
        answer = self._sales_call(
            "Leaderboard", token, scope, period, limit=limit, currency=currency
        )
        return Report(
            answer.period.label,
            Leaderboard(_leaders(answer.reps), _leaders(answer.teams)),
            _conversion(answer),
        )
