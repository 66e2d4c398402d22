"""``crmctl report funnel|winrate|lost|cycle|velocity|forecast|targets|sources|campaigns|churn|
leaders``: reporting's KPIs for a scope and a period, as tables, ``-o json`` (the whole answer)
or, for funnel, forecast, targets and velocity, ``--chart FILE.png``.

Figures are defined in docs/services/reporting.md; reporting answers NOT_FOUND for a scope the
caller may not report on, which crmctl prints as it comes.
"""

from __future__ import annotations

import datetime as dt

import click

from crm.reporting.v1 import reports_pb2
from crmctl.commands.reporting import charts
from crmctl.commands.reporting.arguments import report_options
from crmctl.commands.reporting.rows import (
    FORECAST_COLUMNS,
    FUNNEL_COLUMNS,
    LEADER_COLUMNS,
    LOST_COLUMNS,
    forecast_rows,
    funnel_rows,
    leader_rows,
    lost_rows,
)
from crmctl.commands.reporting.stubs import Stubs
from crmctl.names import names
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.wire import money_text

chart_option = click.option(
    "--chart", "chart", default="", metavar="FILE.png", help="Also draw the chart into a PNG file."
)
currency_option = click.option(
    "--currency",
    default="",
    metavar="XXX",
    help="Reporting currency (ISO 4217): every amount converted at the rate of its day, the "
    "rates used printed below (default: one total per currency).",
)


def printed_as_json(session, response) -> bool:
    if session.output == "json":
        print_record("json", message_to_dict(response))
        return True
    return False


def heading(text: str) -> None:
    click.echo(click.style(text, bold=True))


def print_conversion(response) -> None:
    """The rates a report in a reporting currency used (nothing for one without)."""
    conversion = response.conversion
    if not conversion.currency:
        return
    heading(f"in {conversion.currency}, at the rates of the days converted")
    rows = [
        {"rate": r.explanation, "source": r.source, "amounts": r.amounts} for r in conversion.rates
    ]
    print_rows(
        "table",
        rows,
        [("rate", "rate"), ("source", "source"), ("amounts", "amounts")],
        empty=f"no conversion needed: every amount was in {conversion.currency}",
    )


@click.group()
def report() -> None:
    """Sales, marketing and customer KPIs (territory's view_reports right)."""


@report.command("funnel")
@report_options
@chart_option
@currency_option
@output_option
@pass_session
def funnel(session, scope, period, chart, currency):
    """Deals per stage, stage-to-stage conversion, time in stage against the expected days."""
    response = session.call(
        Stubs(session).sales.Funnel,
        reports_pb2.FunnelRequest(scope=scope, period=period, currency=currency),
    )
    if chart:
        charts.funnel(chart, response)
    if printed_as_json(session, response):
        return
    for pipeline in response.pipelines:
        heading(
            f"{names(session).line(pipeline.sales_line_id)} · {response.period.label}: "
            f"{pipeline.created} created, {pipeline.won} won "
            f"({pipeline.opportunity_to_won_percent or '-'}%)"
        )
        print_rows("table", funnel_rows(pipeline), FUNNEL_COLUMNS)
    if not response.pipelines:
        click.echo("no pipeline in this scope")
    print_conversion(response)


@report.command("winrate")
@report_options
@currency_option
@output_option
@pass_session
def winrate(session, scope, period, currency):
    """Won share of the deals closed in the period, by count and by value."""
    response = session.call(
        Stubs(session).sales.WinRate,
        reports_pb2.WinRateRequest(scope=scope, period=period, currency=currency),
    )
    if printed_as_json(session, response):
        return
    rate = response.win_rate
    heading(
        f"{response.period.label}: {rate.won} won, {rate.lost} lost, "
        f"win rate {rate.percent or '-'}%"
    )
    rows = [
        {
            "currency": v.currency,
            "won": money_text(v.won),
            "lost": money_text(v.lost),
            "rate": f"{v.percent}%" if v.percent else "",
        }
        for v in rate.by_value
    ]
    print_rows(
        "table",
        rows,
        [("currency", "cur"), ("won", "won"), ("lost", "lost"), ("rate", "by value")],
        empty="no closed deal",
    )
    print_conversion(response)


@report.command("lost")
@report_options
@currency_option
@output_option
@pass_session
def lost(session, scope, period, currency):
    """Lost reasons and competitors: count, value, share, against the previous period."""
    response = session.call(
        Stubs(session).sales.LostReasons,
        reports_pb2.LostReasonsRequest(scope=scope, period=period, currency=currency),
    )
    if printed_as_json(session, response):
        return
    heading(
        f"{response.period.label}: {response.lost} lost "
        f"(previous: {response.previous_period.label})"
    )
    print_rows("table", lost_rows(response.reasons), LOST_COLUMNS, empty="no lost deal")
    if response.competitors:
        heading("competitors")
        print_rows("table", lost_rows(response.competitors), LOST_COLUMNS)
    print_conversion(response)


@report.command("cycle")
@report_options
@click.option("--open-deals", "limit", type=click.IntRange(0, 500), default=20, show_default=True)
@output_option
@pass_session
def cycle(session, scope, period, limit):
    """Days from created to won (mean, median) and the open deals' age against the mean."""
    response = session.call(
        Stubs(session).sales.SalesCycle,
        reports_pb2.SalesCycleRequest(scope=scope, period=period, open_deal_limit=limit),
    )
    if printed_as_json(session, response):
        return
    c = response.cycle
    heading(
        f"{response.period.label}: {c.won} won, mean {c.mean_days or '-'} d, "
        f"median {c.median_days or '-'} d"
    )
    rows = [
        {
            "deal": d.deal_id,
            "owner": names(session).user(d.owner_user_id) if d.owner_user_id else "",
            "age": d.age_days,
            "ratio": d.ratio_to_mean,
            "slow": "slow" if d.slow else "",
        }
        for d in response.open_deals
    ]
    print_rows(
        "table",
        rows,
        [
            ("deal", "open deal"),
            ("owner", "owner"),
            ("age", "age d"),
            ("ratio", "× mean"),
            ("slow", ""),
        ],
        empty="no open deal",
    )


def _velocity_values(velocity) -> dict[str, float]:
    return {
        c.currency: float(c.per_day.amount) if c.per_day.amount else 0.0
        for c in velocity.currencies
    }


@report.command("velocity")
@report_options
@chart_option
@click.option(
    "--trend",
    type=click.IntRange(2, 24),
    default=6,
    show_default=True,
    help="Periods the chart shows, ending with the asked one.",
)
@currency_option
@output_option
@pass_session
def velocity(session, scope, period, chart, trend, currency):
    """Open deals × average won size × win rate ÷ cycle (money per day), each factor shown,
    against the previous period."""
    sales = Stubs(session).sales
    response = session.call(
        sales.SalesVelocity,
        reports_pb2.SalesVelocityRequest(scope=scope, period=period, currency=currency),
    )
    if chart:
        points = [(response.current.period.label, _velocity_values(response.current))]
        earlier = response
        while len(points) < trend and period.kind != reports_pb2.PERIOD_KIND_RANGE:
            # The period before is reporting's own: the day before its first instant.
            start = earlier.previous.period.start.ToDatetime(tzinfo=dt.UTC)
            step = reports_pb2.Period()
            step.CopyFrom(period)
            step.date = start.date().isoformat()
            earlier = session.call(
                sales.SalesVelocity,
                reports_pb2.SalesVelocityRequest(scope=scope, period=step, currency=currency),
            )
            points.insert(0, (earlier.current.period.label, _velocity_values(earlier.current)))
        if period.kind == reports_pb2.PERIOD_KIND_RANGE:
            points.insert(0, (response.previous.period.label, _velocity_values(response.previous)))
        charts.velocity(chart, points)
    if printed_as_json(session, response):
        return
    changes = {c.currency: c.percent for c in response.changes}
    heading(f"{response.current.period.label} (previous: {response.previous.period.label})")
    rows = [
        {
            "currency": c.currency,
            "open": c.open_deals,
            "average_won": money_text(c.average_won),
            "win_rate": f"{c.win_rate_percent}%" if c.win_rate_percent else "",
            "cycle": c.cycle_days,
            "per_day": money_text(c.per_day),
            "change": f"{changes[c.currency]}%" if changes.get(c.currency) else "",
        }
        for c in response.current.currencies
    ]
    print_rows(
        "table",
        rows,
        [
            ("currency", "cur"),
            ("open", "open deals"),
            ("average_won", "avg won"),
            ("win_rate", "win rate"),
            ("cycle", "cycle d"),
            ("per_day", "per day"),
            ("change", "vs previous"),
        ],
        empty="no velocity (no open or won deal)",
    )
    print_conversion(response)


@report.command("forecast")
@report_options
@click.option(
    "--bucket",
    type=click.Choice(["week", "month", "quarter"]),
    default="month",
    show_default=True,
    help="Length of the close periods.",
)
@click.option(
    "--currency",
    default="",
    metavar="XXX",
    help="Reporting currency (ISO 4217): every amount converted at the rate of its day, the "
    "rates used printed below, the chart drawn in it (default: one total per currency, the "
    "chart in the first).",
)
@chart_option
@output_option
@pass_session
def forecast(session, scope, period, bucket, currency, chart):
    """Open and weighted value per close period: commit, best case, pipeline."""
    buckets = {
        "week": reports_pb2.PERIOD_KIND_WEEK,
        "month": reports_pb2.PERIOD_KIND_MONTH,
        "quarter": reports_pb2.PERIOD_KIND_QUARTER,
    }
    response = session.call(
        Stubs(session).sales.Forecast,
        reports_pb2.ForecastRequest(
            scope=scope, period=period, bucket=buckets[bucket], currency=currency
        ),
    )
    if chart:
        wanted = currency or (response.totals[0].currency if response.totals else "")
        charts.forecast(chart, response, wanted)
    if printed_as_json(session, response):
        return
    heading(f"forecast, {response.period.label}")
    print_rows("table", forecast_rows(response), FORECAST_COLUMNS, empty="no open deal")
    print_conversion(response)


@report.command("targets")
@report_options
@chart_option
@currency_option
@output_option
@pass_session
def targets(session, scope, period, chart, currency):
    """Territory's targets against the won deals, with attainment."""
    response = session.call(
        Stubs(session).sales.TargetsVsActual,
        reports_pb2.TargetsVsActualRequest(scope=scope, period=period, currency=currency),
    )
    if chart:
        charts.targets(chart, response, names(session).team)
    if printed_as_json(session, response):
        return
    rows = [
        {
            "line": names(session).line(t.sales_line_id),
            "team": names(session).team(t.team_id),
            "period": t.period,
            "target": money_text(t.target_amount),
            "actual": money_text(t.actual_amount),
            "attained": f"{t.amount_attainment_percent}%" if t.amount_attainment_percent else "",
            "deals": f"{t.actual_deals}/{t.target_deals}",
            "deals_attained": f"{t.deals_attainment_percent}%"
            if t.deals_attainment_percent
            else "",
        }
        for t in response.targets
    ]
    heading(f"targets vs actual, {response.period.label}")
    print_rows(
        "table",
        rows,
        [
            ("line", "line"),
            ("team", "team"),
            ("period", "period"),
            ("target", "target"),
            ("actual", "actual"),
            ("attained", "%"),
            ("deals", "deals"),
            ("deals_attained", "deals %"),
        ],
        empty="no target in this scope and period",
    )
    print_conversion(response)


@report.command("leaders")
@report_options
@click.option("--limit", type=click.IntRange(1, 500), default=10, show_default=True)
@currency_option
@output_option
@pass_session
def leaders(session, scope, period, limit, currency):
    """Reps and teams ranked by won deals: won value, win rate, cycle."""
    response = session.call(
        Stubs(session).sales.Leaderboard,
        reports_pb2.LeaderboardRequest(scope=scope, period=period, limit=limit, currency=currency),
    )
    if printed_as_json(session, response):
        return
    heading(f"reps, {response.period.label}")
    print_rows("table", leader_rows(response.reps, names(session).user), LEADER_COLUMNS)
    heading("teams")
    print_rows("table", leader_rows(response.teams, names(session).team), LEADER_COLUMNS)
    print_conversion(response)
