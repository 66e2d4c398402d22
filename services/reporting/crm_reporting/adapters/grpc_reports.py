"""SalesReportsService servicer: request in, use case, response out (grpc_mapping; the
reporting currency and its rates: grpc_conversion). Errors are the use cases' CrmErrors; the
chassis maps them to status codes."""

from __future__ import annotations

from typing import Any

from crm.reporting.v1 import reports_pb2 as pb
from crm.reporting.v1 import reports_pb2_grpc
from crm_reporting.adapters import grpc_mapping as m
from crm_reporting.adapters.grpc_conversion import converted, report_currency
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.dependencies import Dependencies


class SalesReportsServicer(reports_pb2_grpc.SalesReportsServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def Funnel(self, request: pb.FunnelRequest, context: Any) -> pb.FunnelResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.funnel_report(
            self.deps, m.caller(), scope=m.scope(request), period=period, currency=currency
        )
        return converted(m.funnel_response(period, result), currency)

    def WinRate(self, request: pb.WinRateRequest, context: Any) -> pb.WinRateResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.win_rate_report(
            self.deps, m.caller(), scope=m.scope(request), period=period, currency=currency
        )
        return converted(m.win_rate_response(period, result), currency)

    def LostReasons(self, request: pb.LostReasonsRequest, context: Any) -> pb.LostReasonsResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.lost_reasons_report(
            self.deps, m.caller(), scope=m.scope(request), period=period, currency=currency
        )
        return converted(m.lost_reasons_response(period, result), currency)

    def SalesCycle(self, request: pb.SalesCycleRequest, context: Any) -> pb.SalesCycleResponse:
        result = reports.cycle_report(
            self.deps,
            m.caller(),
            scope=m.scope(request),
            period=m.period(request),
            open_deal_limit=request.open_deal_limit,
        )
        return m.cycle_response(result)

    def SalesVelocity(
        self, request: pb.SalesVelocityRequest, context: Any
    ) -> pb.SalesVelocityResponse:
        currency = report_currency(request)
        result = reports.velocity_report(
            self.deps,
            m.caller(),
            scope=m.scope(request),
            period=m.period(request),
            currency=currency,
        )
        return converted(m.velocity_response(result), currency)

    def Forecast(self, request: pb.ForecastRequest, context: Any) -> pb.ForecastResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.forecast_report(
            self.deps,
            m.caller(),
            scope=m.scope(request),
            period=period,
            bucket=m.bucket(request),
            currency=currency,
        )
        return converted(m.forecast_response(period, result), currency)

    def TargetsVsActual(
        self, request: pb.TargetsVsActualRequest, context: Any
    ) -> pb.TargetsVsActualResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.targets_report(
            self.deps, m.caller(), scope=m.scope(request), period=period, currency=currency
        )
        return converted(m.targets_response(period, result), currency)

    def Leaderboard(self, request: pb.LeaderboardRequest, context: Any) -> pb.LeaderboardResponse:
        period, currency = m.period(request), report_currency(request)
        result = reports.leaderboard_report(
            self.deps,
            m.caller(),
            scope=m.scope(request),
            period=period,
            limit=request.limit,
            currency=currency,
        )
        return converted(m.leaderboard_response(period, result), currency)

    def Dashboard(self, request: pb.DashboardRequest, context: Any) -> pb.DashboardResponse:
        currency = report_currency(request)
        result = reports.dashboard(
            self.deps,
            m.caller(),
            scope=m.scope(request),
            period=m.period(request),
            currency=currency,
        )
        return converted(m.dashboard_response(result), currency)
