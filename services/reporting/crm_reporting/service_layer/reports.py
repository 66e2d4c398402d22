"""The report use cases: ``report(deps, caller, *, scope, period, ...)``, each reading one
unit of work (no writes) and computing its KPIs with the domain's pure functions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument
from crm_reporting.domain.conversion import Converter
from crm_reporting.domain.kpis.closed import Cycle
from crm_reporting.domain.kpis.cycle import OpenDealAge, open_deal_ages
from crm_reporting.domain.kpis.forecast import Forecast, forecast_of
from crm_reporting.domain.kpis.funnel import PipelineFunnel, funnel_of
from crm_reporting.domain.kpis.leaderboard import Leaderboard, leaderboard_of
from crm_reporting.domain.kpis.lost_reasons import LostReasons, lost_reasons_of
from crm_reporting.domain.kpis.targets import TargetVsActual, targets_of
from crm_reporting.domain.kpis.velocity import Velocity, change_percent, velocity_of
from crm_reporting.domain.kpis.win_rate import WinRate, win_rate_of
from crm_reporting.domain.periods import Period, PeriodKind
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer.access import deal_filter
from crm_reporting.service_layer.conversion import ConvertedInputs, ReportCurrency
from crm_reporting.service_layer.dependencies import Dependencies
from crm_reporting.service_layer.report_inputs import ReportInputs

DEFAULT_LIMIT, MAX_LIMIT = 20, 500
BUCKETS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


@dataclass(frozen=True)
class CycleReport:
    period: Period
    cycle: Cycle
    open_deals: list[OpenDealAge]


@dataclass(frozen=True)
class VelocityReport:
    current: Velocity
    previous: Velocity
    changes: dict[str, Decimal | None]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    funnel: list[PipelineFunnel]
    win_rate: WinRate
    cycle: CycleReport
    velocity: VelocityReport
    forecast: Forecast
    targets: list[TargetVsActual] | None


def _limit(value: int, field: str) -> int:
    if value < 0 or value > MAX_LIMIT:
        raise InvalidArgument(
            f"{field} must be within 0..{MAX_LIMIT} (0 = {DEFAULT_LIMIT})", field=field
        )
    return value or DEFAULT_LIMIT


@contextlib.contextmanager
def _report(
    deps: Dependencies,
    caller: Caller | None,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
    *,
    compare: bool = False,
    dashboard: bool = False,
) -> Iterator[ReportInputs]:
    """One call's inputs, read in one unit of work, after the access decision; with a
    ``currency``, every amount converted to it (service_layer/conversion.py), the rates used
    handed to it once the figures are computed (``compare``: the report also shows the previous
    period, whose deals are converted too; ``dashboard``: the six KPIs' grouped reads are asked
    together, ReportInputs.read_dashboard)."""
    with deps.uow() as uow:
        deals = deal_filter(caller, scope, deps.scopes, uow.reports)
        if currency is None:
            inputs = ReportInputs(uow.reports, deals, period, deps.clock.now())
            if dashboard:
                inputs.read_dashboard()
            yield inputs
            return
        converter = Converter(currency.code, uow.rates.rates(currency.code))
        data = ConvertedInputs(
            uow.reports, deals, period, deps.clock.now(), converter, compare=compare
        )
        yield data
        data.finish(currency)


def _funnel(data: ReportInputs) -> list[PipelineFunnel]:
    return [funnel_of(p, data.open_stages, data.cohort, data.stays) for p in data.pipelines()]


def _cycle(data: ReportInputs, limit: int) -> CycleReport:
    result = data.cycle(data.period)
    ages = open_deal_ages(data.oldest_open(limit), result.mean_days, data.now, limit)
    return CycleReport(data.period, result, ages)


def _velocity(data: ReportInputs) -> VelocityReport:
    groups = data.closed_groups
    current = velocity_of(
        groups, data.cycle_mean(data.period), data.open_at_end(data.period), data.period
    )
    previous = velocity_of(
        groups, data.cycle_mean(data.previous), data.open_at_end(data.previous), data.previous
    )
    currencies = {c.currency for c in current.currencies} | {
        c.currency for c in previous.currencies
    }
    changes: dict[str, Decimal | None] = {
        c: change_percent(current.per_day(c), previous.per_day(c)) for c in sorted(currencies)
    }
    return VelocityReport(current, previous, changes)


def _targets(data: ReportInputs, scope: Scope, *, strict: bool) -> list[TargetVsActual] | None:
    if scope.kind is ScopeKind.PERSON or data.period.territory_period is None:
        if strict:
            raise InvalidArgument(
                "targets exist for teams and sales lines per month, quarter or year: ask for "
                "such a scope and period",
                field="period.kind" if scope.kind is not ScopeKind.PERSON else "scope.kind",
            )
        return None
    return targets_of(data.targets(), data.won_by_team)


def funnel_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> list[PipelineFunnel]:
    with _report(deps, caller, scope, period, currency) as data:
        return _funnel(data)


def win_rate_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> WinRate:
    with _report(deps, caller, scope, period, currency) as data:
        return win_rate_of(data.closed_groups, period)


def lost_reasons_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> LostReasons:
    with _report(deps, caller, scope, period, currency, compare=True) as data:
        return lost_reasons_of(data.lost(period), data.lost(period.previous()))


def cycle_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    open_deal_limit: int = 0,
) -> CycleReport:
    limit = _limit(open_deal_limit, "open_deal_limit")
    with _report(deps, caller, scope, period) as data:
        return _cycle(data, limit)


def velocity_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> VelocityReport:
    with _report(deps, caller, scope, period, currency, compare=True) as data:
        return _velocity(data)


def forecast_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    bucket: PeriodKind | None = None,
    currency: ReportCurrency | None = None,
) -> Forecast:
    bucket = bucket or PeriodKind.MONTH
    if bucket not in BUCKETS:
        raise InvalidArgument("bucket must be month, quarter or year", field="bucket")
    with _report(deps, caller, scope, period, currency) as data:
        return forecast_of(data.open_forecast, data.closed_groups, period, bucket)


def targets_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> list[TargetVsActual]:
    with _report(deps, caller, scope, period, currency) as data:
        return _targets(data, scope, strict=True) or []


def leaderboard_report(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    limit: int = 0,
    currency: ReportCurrency | None = None,
) -> Leaderboard:
    rows = _limit(limit, "limit")
    with _report(deps, caller, scope, period, currency) as data:
        return leaderboard_of(data.leaders, period, rows, data.activities)


def dashboard(
    deps: Dependencies,
    caller: Caller | None,
    *,
    scope: Scope,
    period: Period,
    currency: ReportCurrency | None = None,
) -> Dashboard:
    """The six KPIs of a manager's page from one set of reads."""
    with _report(deps, caller, scope, period, currency, compare=True, dashboard=True) as data:
        return Dashboard(
            period,
            _funnel(data),
            win_rate_of(data.closed_groups, period),
            _cycle(data, DEFAULT_LIMIT),
            _velocity(data),
            forecast_of(data.open_forecast, data.closed_groups, period),
            _targets(data, scope, strict=False),
        )
