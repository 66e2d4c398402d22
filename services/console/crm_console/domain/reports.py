"""The dashboards' figures as reporting computed them (translated by the adapter), and what a
dashboard link says: the scope and the period. Plain values: the console never recomputes a
figure and never adds money of different currencies (each total is one currency's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from crm_console.domain.deals import Money
from crm_console.domain.errors import T_, ConsoleError

# Periods a dashboard link may name (reporting's period kinds; a target needs month..year).
PERIOD_KINDS = ("week", "month", "quarter", "year")
# Scope kinds a dashboard link may name (reporting's scope kinds).
SCOPE_KINDS = ("person", "team", "unit", "sales_line", "company")
# territory's roles that carry the view_reports right over a team.
REPORTING_ROLES = frozenset({"supervisor", "manager"})
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")


# ---------------------------------------------------------------- what a dashboard link says
@dataclass(frozen=True)
class ReportScope:
    kind: str
    id: str = ""
    sales_line_id: str = ""


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar period (``week``..``year``) around ``day``, or a ``range`` of whole days from
    ``start`` to ``day`` inclusive (reporting's any-range period)."""

    kind: str
    day: dt.date
    start: dt.date | None = None

    @property
    def query(self) -> dict[str, str]:
        return {"period": self.kind, "date": self.day.isoformat()}


def last_twelve_months(today: dt.date) -> ReportPeriod:
    """The twelve months up to and including ``today``: from the day after the same date a year
    before (1 March after a 29 February) to today."""
    try:
        year_before = today.replace(year=today.year - 1)
    except ValueError:  # 29 February: the year before has none
        year_before = dt.date(today.year - 1, 2, 28)
    return ReportPeriod("range", today, start=year_before + dt.timedelta(days=1))


def period_from(kind: str, day: str, today: dt.date) -> ReportPeriod:
    """The period of a link: ``period`` (week, month, quarter, year; default month) around
    ``date`` (default today). Refused with a sentence a person can act on."""
    kind = kind or "month"
    if kind not in PERIOD_KINDS:
        raise ConsoleError(
            T_(
                "the period must be one of %(choices)s, not %(value)s",
                choices=", ".join(PERIOD_KINDS),
                value=repr(kind),
            ),
            field="period",
        )
    if not day:
        return ReportPeriod(kind, today)
    try:
        return ReportPeriod(kind, dt.date.fromisoformat(day))
    except ValueError:
        raise ConsoleError(T_("enter the date as YYYY-MM-DD"), field="date") from None


def shifted(period: ReportPeriod, steps: int) -> ReportPeriod:
    """The period ``steps`` lengths before (negative) or after ``period``: the arrows' links."""
    day = period.day
    if period.kind == "week":
        return ReportPeriod("week", day + dt.timedelta(weeks=steps))
    months = {"month": 1, "quarter": 3, "year": 12}[period.kind] * steps
    index = day.year * 12 + day.month - 1 + months
    return ReportPeriod(period.kind, dt.date(index // 12, index % 12 + 1, 1))


@dataclass(frozen=True)
class TeamScope:
    """A team a person may see (territory's ListScopes): their role in it and, for a unit
    manager, the unit above it that they manage."""

    team_id: str
    role: str
    unit_id: str = ""


def scope_choices(user_id: str, scopes: tuple[TeamScope, ...]) -> tuple[ReportScope, ...]:
    """The scopes whose figures this person may see, the widest first: the units they manage,
    the teams they supervise or manage, their own figures. Nothing for a person who is in no
    team (an administrator who is not a member): reporting would show them nothing."""
    if not scopes:
        return ()
    units = sorted({s.unit_id for s in scopes if s.unit_id})
    teams = sorted({s.team_id for s in scopes if s.role in REPORTING_ROLES})
    return (
        *(ReportScope("unit", unit) for unit in units),
        *(ReportScope("team", team) for team in teams),
        ReportScope("person", user_id),
    )


def scope_from(text: str, line: str, choices: tuple[ReportScope, ...]) -> ReportScope | None:
    """The link's scope, ``<kind>:<id>`` (``company`` alone), default the widest the person
    has; reporting decides whether the person may see it. None when they have no scope."""
    if not choices:
        return None
    if not text:
        return ReportScope(choices[0].kind, choices[0].id, line)
    kind, _, scope_id = text.partition(":")
    if kind not in SCOPE_KINDS or (kind != "company" and not scope_id):
        raise ConsoleError(
            T_(
                "the scope must be <kind>:<id> with kind one of %(choices)s "
                "(company without an id), not %(value)s",
                choices=", ".join(SCOPE_KINDS),
                value=repr(text),
            ),
            field="scope",
        )
    return ReportScope(kind, "" if kind == "company" else scope_id, line)


def scope_text(scope: ReportScope) -> str:
    """The scope as the link writes it (the inverse of ``scope_from``)."""
    return scope.kind if scope.kind == "company" else f"{scope.kind}:{scope.id}"


# ---------------------------------------------------------------- the reporting currency
def currency_from(text: str) -> str:
    """The link's reporting currency (``EUR``; empty: each currency on its own line). Only
    its form is checked here; whether the platform knows the code is reporting's to say."""
    code = text.strip().upper()
    if code and not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise ConsoleError(
            T_(
                "the reporting currency is an ISO 4217 code of three letters such as EUR or IRR, "
                "not %(value)s",
                value=repr(text),
            ),
            field="currency",
        )
    return code


@dataclass(frozen=True)
class AppliedRate:
    """One rate a converted report used: 1 ``currency`` = ``rate`` ``to``, effective on
    ``rate_date``, for ``amounts`` of the report's amounts; ``explanation`` is reporting's
    sentence ("1 USD = 0.92 EUR (rate of 2026-03-31)")."""

    currency: str
    to: str
    rate: str
    rate_date: dt.date | None
    inverse: bool
    source: str
    amounts: int
    explanation: str


@dataclass(frozen=True)
class Conversion:
    """How a report's amounts were converted to its reporting currency: every rate used."""

    currency: str
    rates: tuple[AppliedRate, ...]


# ---------------------------------------------------------------- the figures
T = TypeVar("T")


@dataclass(frozen=True)
class Report(Generic[T]):
    """One report's figures with the name of the period reporting computed them for (and, in
    a reporting currency, the rates used)."""

    label: str
    figures: T
    conversion: Conversion | None = None


@dataclass(frozen=True)
class FunnelStage:
    key: str
    name: str
    open_deals: int
    open_value: tuple[Money, ...]
    reached: int
    conversion_to_next_percent: str
    mean_days: str
    median_days: str
    expected_days: int
    stuck_deals: int


@dataclass(frozen=True)
class PipelineFunnel:
    pipeline_id: str
    sales_line_id: str
    stages: tuple[FunnelStage, ...]
    created: int
    won: int
    opportunity_to_won_percent: str


@dataclass(frozen=True)
class ValueWinRate:
    currency: str
    won: Money | None
    lost: Money | None
    percent: str


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int
    percent: str
    by_value: tuple[ValueWinRate, ...]


@dataclass(frozen=True)
class LostBucket:
    key: str
    count: int
    value: tuple[Money, ...]
    share_percent: str
    previous_count: int


@dataclass(frozen=True)
class LostReasons:
    label: str
    previous_label: str
    lost: int
    reasons: tuple[LostBucket, ...]
    competitors: tuple[LostBucket, ...]
    conversion: Conversion | None = None


@dataclass(frozen=True)
class DealAge:
    deal_id: str
    team_id: str
    owner_user_id: str
    age_days: str
    ratio_to_mean: str
    slow: bool


@dataclass(frozen=True)
class SalesCycle:
    won: int
    mean_days: str
    median_days: str
    open_deals: tuple[DealAge, ...]


@dataclass(frozen=True)
class CurrencyVelocity:
    currency: str
    open_deals: int
    average_won: Money | None
    win_rate_percent: str
    cycle_days: str
    per_day: Money | None


@dataclass(frozen=True)
class Velocity:
    label: str
    previous_label: str
    current: tuple[CurrencyVelocity, ...]
    previous: tuple[CurrencyVelocity, ...]
    changes: dict[str, str]  # currency -> per cent change
    conversion: Conversion | None = None


@dataclass(frozen=True)
class ForecastRow:
    close_period: str
    category: str
    currency: str
    deals: int
    open_value: Money | None
    weighted_value: Money | None


@dataclass(frozen=True)
class ForecastTotals:
    close_period: str
    currency: str
    commit: Money | None
    best_case: Money | None
    pipeline: Money | None
    weighted: Money | None
    won: Money | None


@dataclass(frozen=True)
class Forecast:
    rows: tuple[ForecastRow, ...]
    totals: tuple[ForecastTotals, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({t.currency for t in self.totals}))

    def totals_in(self, currency: str) -> tuple[ForecastTotals, ...]:
        return tuple(t for t in self.totals if t.currency == currency)


@dataclass(frozen=True)
class TargetVsActual:
    """A sales target with what was reached against it (reporting's TargetVsActual); the target
    as set is ``domain.organisation.Target``."""

    sales_line_id: str
    team_id: str
    period: str
    target_amount: Money | None
    actual_amount: Money | None
    amount_attainment_percent: str
    target_deals: int
    actual_deals: int
    deals_attainment_percent: str


@dataclass(frozen=True)
class CampaignRoi:
    campaign_id: str
    name: str
    channel: str
    cost: Money | None
    won_revenue: Money | None
    won_deals: int
    roi_percent: str
    other_currencies: tuple[Money, ...]


@dataclass(frozen=True)
class LeaderRow:
    id: str
    won: int
    won_value: tuple[Money, ...]
    win_rate_percent: str
    cycle_days: str
    lost: int
    activities_done: int
    tasks_on_time_percent: str


@dataclass(frozen=True)
class Leaderboard:
    reps: tuple[LeaderRow, ...]
    teams: tuple[LeaderRow, ...]


@dataclass(frozen=True)
class Dashboard:
    """reporting's Dashboard answer: the overview page in one call."""

    label: str
    funnel: tuple[PipelineFunnel, ...]
    win_rate: WinRate
    cycle: SalesCycle
    velocity: Velocity
    forecast: Forecast
    targets: tuple[TargetVsActual, ...]
    conversion: Conversion | None = None


def by_currency(values: tuple[Money, ...]) -> dict[str, Money]:
    """One total per currency, as reporting sent them (never added across currencies)."""
    return {m.currency: m for m in values}


def currencies_of(*groups: tuple[Money, ...]) -> tuple[str, ...]:
    return tuple(sorted({m.currency for group in groups for m in group}))
