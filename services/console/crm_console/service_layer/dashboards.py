"""The dashboards' use cases: which scopes the person may see (territory's ListScopes) and one
KPI group's figures for the scope and period of the link, read from reporting with the person's
own token. One call to reporting per page, and territory's scopes and names (teams, units, sales
lines, and the people the figures name: owners of slow deals, the leaderboard's reps) so the page
shows names, not ids; the console adds nothing up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_console.domain.errors import T_, ConsoleError, Refused, Unavailable
from crm_console.domain.reports import (
    Conversion,
    Leaderboard,
    ReportPeriod,
    ReportScope,
    SalesCycle,
    currency_from,
    period_from,
    scope_choices,
    scope_from,
)
from crm_console.domain.session import Session
from crm_console.service_layer.dependencies import Dependencies
from crm_console.service_layer.people import names_or_ids

# Slow deals listed on the cycle page (reporting allows up to 500) and leaderboard rows.
SLOW_DEALS = 50
LEADERS = 20
FORECAST_BUCKETS = ("month", "quarter", "year")

NOT_A_MEMBER = "not_a_member"
REFUSED = "refused"


@dataclass(frozen=True)
class DashboardView:
    """What a dashboard page shows. ``empty`` says why there are no figures: the person is in
    no team (``not_a_member``: an administrator who is not a member sees nothing), or reporting
    refused the scope with ``message``."""

    group: str
    choices: tuple[ReportScope, ...]
    scope: ReportScope | None
    period: ReportPeriod
    figures: Any = None
    empty: str = ""
    message: str = ""
    bucket: str = "month"
    names: Mapping[str, str] = field(default_factory=dict)  # team, unit, line, person -> name
    currency: str = ""  # the reporting currency of the link; empty: one total per currency

    def name(self, some_id: str) -> str:
        """The name of a team, unit, sales line or person, or its id when territory did not
        give one."""
        return self.names.get(some_id, some_id)

    @property
    def converts(self) -> bool:
        """Whether this page's figures can be shown in a reporting currency."""
        return self.group in CONVERTED

    @property
    def conversion(self) -> Conversion | None:
        """The rates reporting used for the page's figures (None: one total per currency)."""
        return getattr(self.figures, "conversion", None)


def _readers(
    bucket: str, currency: str
) -> dict[str, Callable[[Any, str, ReportScope, ReportPeriod], Any]]:
    """Each group's call; ``currency`` goes to the reports that convert (CONVERTED)."""
    money = {"currency": currency} if currency else {}
    return {
        "overview": lambda port, token, scope, period: port.dashboard(
            token, scope, period, **money
        ),
        "funnel": lambda port, token, scope, period: port.funnel(token, scope, period, **money),
        "win-rate": lambda port, token, scope, period: port.win_rate(token, scope, period, **money),
        "lost-reasons": lambda port, token, scope, period: port.lost_reasons(
            token, scope, period, **money
        ),
        "cycle": lambda port, token, scope, period: port.sales_cycle(
            token, scope, period, SLOW_DEALS
        ),
        "velocity": lambda port, token, scope, period: port.velocity(token, scope, period, **money),
        "forecast": lambda port, token, scope, period: port.forecast(
            token, scope, period, bucket, **money
        ),
        "targets": lambda port, token, scope, period: port.targets(token, scope, period, **money),
        "campaigns": lambda port, token, scope, period: port.campaign_roi(token, scope, period),
        "leaderboard": lambda port, token, scope, period: port.leaderboard(
            token, scope, period, LEADERS, **money
        ),
    }


GROUPS = tuple(_readers("month", ""))
# The groups reporting converts to a reporting currency: the sales cycle has no amount, and a
# campaign's ROI compares its cost with the revenue in the cost's own currency.
CONVERTED = tuple(group for group in GROUPS if group not in ("cycle", "campaigns"))


def view(
    deps: Dependencies,
    caller: Session,
    *,
    group: str,
    query: dict[str, str],
) -> DashboardView:
    """One KPI group for the link's ``scope`` (``team:<id>``), ``line`` and ``period``/``date``
    (``bucket`` for the forecast), in the link's reporting ``currency`` when it names one. A
    scope reporting does not let this person see is NotFound, exactly like one that does not
    exist; a reporting currency without the rates it needs is reporting's refusal, shown."""
    if group not in GROUPS:
        raise ConsoleError(T_("there is no dashboard %(value)s", value=repr(group)), field="group")
    token = caller.tokens.access_token
    period = period_from(query.get("period", ""), query.get("date", ""), deps.clock.now().date())
    bucket = query.get("bucket", "") or "month"
    currency = currency_from(query.get("currency", ""))
    if bucket not in FORECAST_BUCKETS:
        raise ConsoleError(
            T_(
                "the forecast groups by %(choices)s, not %(value)s",
                choices=", ".join(FORECAST_BUCKETS),
                value=repr(bucket),
            ),
            field="bucket",
        )
    choices = scope_choices(
        caller.person.user_id, deps.reporting.scopes(token, caller.person.user_id)
    )
    scope = scope_from(query.get("scope", ""), query.get("line", ""), choices)
    if scope is None:
        return DashboardView(
            group,
            choices,
            None,
            period,
            empty=NOT_A_MEMBER,
            bucket=bucket,
            currency=currency,
        )
    names = _names(deps, token)
    try:
        figures = _readers(bucket, currency)[group](deps.reporting, token, scope, period)
        names.update(names_or_ids(deps.organisation.people_names, token, _people(figures)))
    except Refused as refused:
        # reporting's own sentence (e.g. targets need a team scope; company figures need the
        # right over every team; a reporting currency lacks a rate, with the command that sets
        # it): the page stays, empty, and says why.
        return DashboardView(
            group,
            choices,
            scope,
            period,
            empty=REFUSED,
            message=refused.message,
            bucket=bucket,
            names=names,
            currency=currency,
        )
    return DashboardView(
        group, choices, scope, period, figures, bucket=bucket, names=names, currency=currency
    )


def _people(figures: Any) -> list[str]:
    """The people a page shows: the slow deals' owners (cycle, overview) and the leaderboard's
    reps; named in one call to territory."""
    inner = getattr(figures, "figures", figures)
    cycle = inner if isinstance(inner, SalesCycle) else getattr(figures, "cycle", None)
    owners = [d.owner_user_id for d in cycle.open_deals] if isinstance(cycle, SalesCycle) else []
    reps = [r.id for r in inner.reps] if isinstance(inner, Leaderboard) else []
    return owners + reps


def _names(deps: Dependencies, token: str) -> dict[str, str]:
    """Names of the organisation's teams, units and sales lines (territory lets every member
    read its structure). A refusal or a territory that does not answer leaves the ids on the
    page: the figures matter more than their labels."""
    names: dict[str, str] = {}
    for read in (deps.organisation.teams, deps.organisation.units, deps.organisation.sales_lines):
        try:
            names.update((item.id, item.name) for item in read(token))
        except (Refused, Unavailable):
            continue
    return names
