"""The dashboards: reporting's KPIs for a scope and period the link names (a dashboard is a
link), as charts with their numbers in a table beside each (static/dashboards.js draws the
charts from the page's ``data-chart`` attributes; without script the tables are the page).
``/dashboards`` is the overview (reporting's Dashboard in one call); each KPI group has its own
page. A reporting currency (``currency``, kept in the link like the scope and period) shows
the figures converted, with the rates reporting used listed beside them. The scopes offered are
the person's own (territory's ListScopes): a person in no team, an administrator who is not a
member included, gets an empty page that says why."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_chassis.currencies import ACTIVE
from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.domain.reports import PERIOD_KINDS, scope_text, shifted
from crm_console.entrypoints import dashboard_charts as charts
from crm_console.entrypoints.dashboard_format import Formats
from crm_console.entrypoints.i18n import Language
from crm_console.entrypoints.web_kit import console_of, language_of, render, require, say
from crm_console.service_layer import dashboards
from crm_console.service_layer.dashboards import DashboardView

NAV = [(40, "Dashboards", "/dashboards")]
# The reporting currencies offered: every active ISO 4217 code (withdrawn ones are for history).
CURRENCY_CODES = tuple(sorted(ACTIVE))


def N_(message: str) -> str:
    return message


# The pages of the KPI groups, in the order of the dashboards' own navigation.
GROUP_TITLES = {
    "overview": N_("Overview"),
    "funnel": N_("Funnel"),
    "win-rate": N_("Win rate"),
    "lost-reasons": N_("Lost reasons and competitors"),
    "cycle": N_("Sales cycle"),
    "velocity": N_("Sales velocity"),
    "forecast": N_("Forecast"),
    "targets": N_("Targets and actual"),
    "campaigns": N_("Campaign ROI"),
    "leaderboard": N_("Leaderboard"),
}


def _charts(view: DashboardView, lang: Language) -> dict[str, charts.Chart]:
    figures = view.figures
    if figures is None:
        return {}
    if view.group == "overview":
        return {
            **charts.funnel(figures.funnel, lang),
            **charts.win_rate(figures.win_rate, lang),
            **charts.cycle(figures.cycle, lang),
            **charts.velocity(figures.velocity, lang),
            **charts.forecast(figures.forecast, lang),
            **charts.targets(figures.targets, lang),
        }
    build = {
        "funnel": lambda: charts.funnel(figures.figures, lang),
        "win-rate": lambda: charts.win_rate(figures.figures, lang),
        "lost-reasons": lambda: charts.lost_reasons(figures, lang),
        "cycle": lambda: charts.cycle(figures.figures, lang),
        "velocity": lambda: charts.velocity(figures, lang),
        "forecast": lambda: charts.forecast(figures.figures, lang),
        "targets": lambda: charts.targets(figures.figures, lang),
        "campaigns": lambda: charts.campaigns(figures.figures, lang),
        "leaderboard": lambda: charts.leaderboard(figures.figures, lang, view.names),
    }
    return build[view.group]()


def _link(group: str, query: dict[str, str]) -> str:
    path = "/dashboards" if group == "overview" else f"/dashboards/{group}"
    kept = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def _page(request: Request, group: str) -> Response:
    session = require(request)
    query = {
        k: request.query_params.get(k, "")
        for k in ("scope", "line", "period", "date", "bucket", "currency")
    }
    try:
        view = dashboards.view(console_of(request).deps, session, group=group, query=query)
    except NotFound:
        raise  # a scope this person may not see: the page of one that does not exist
    except ConsoleError as error:
        # A link with a period or scope that cannot be read: say which, keep the navigation.
        return render(
            request,
            "dashboards/bad_link.html",
            {"problem": say(request, error), "groups": GROUP_TITLES, "group": group},
            status=400,
        )
    lang = language_of(request)
    here = {
        "scope": scope_text(view.scope) if view.scope else "",
        "line": query["line"],
        **view.period.query,
        "bucket": query["bucket"] if group == "forecast" else "",
        "currency": view.currency,
    }
    context = {
        "view": view,
        "figures": view.figures,
        "charts": _charts(view, lang),
        "groups": GROUP_TITLES,
        "group": group,
        "title": GROUP_TITLES[group],
        "here": here,
        "links": {g: _link(g, {**here, "bucket": ""}) for g in GROUP_TITLES},
        "earlier": _link(group, {**here, **shifted(view.period, -1).query}),
        "later": _link(group, {**here, **shifted(view.period, 1).query}),
        "period_kinds": PERIOD_KINDS,
        "scope_texts": [scope_text(c) for c in view.choices],
        "fmt": Formats(lang),
        "currency_codes": CURRENCY_CODES,
    }
    return render(request, "dashboards/page.html", context)


def overview(request: Request) -> Response:
    return _page(request, "overview")


def group_page(request: Request) -> Response:
    group = request.path_params["group"]
    if group not in GROUP_TITLES or group == "overview":
        return render(request, "errors/not_found.html", status=404)
    return _page(request, group)


ROUTES = [
    Route("/dashboards", overview, methods=["GET"]),
    Route("/dashboards/{group}", group_page, methods=["GET"]),
]
