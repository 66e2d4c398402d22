"""What static/dashboards.js draws: one chart description per figure, written into the page as a
``data-chart`` attribute (the CSP allows no inline script, and the numbers stay in the page's
own tables beside each chart, so the page reads without script). Money charts are one per
currency: amounts of different currencies never share an axis or a total."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from crm_console.domain.deals import Money
from crm_console.domain.reports import (
    CampaignRoi,
    Forecast,
    Leaderboard,
    LostReasons,
    PipelineFunnel,
    SalesCycle,
    TargetVsActual,
    Velocity,
    WinRate,
)
from crm_console.entrypoints.i18n import Language

Chart = dict[str, Any]


def _amount(value: Money | None) -> float:
    # A chart's bar length only; the exact figure is in the table beside it.
    return float(value.amount) if value else 0.0


def _percent(text: str) -> float:
    return float(Decimal(text)) if text else 0.0


def _chart(
    kind: str, title: str, labels: list[str], series: list[tuple[str, list[float]]], **extra: Any
) -> Chart:
    return {
        "type": kind,
        "title": title,
        "labels": labels,
        "series": [{"label": label, "values": values} for label, values in series],
        **extra,
    }


def funnel(pipelines: tuple[PipelineFunnel, ...], lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    return {
        f"funnel-{p.pipeline_id}": _chart(
            "bar",
            _("Funnel"),
            [s.name for s in p.stages],
            [
                (_("Open deals now"), [float(s.open_deals) for s in p.stages]),
                (_("Reached in the period"), [float(s.reached) for s in p.stages]),
            ],
            horizontal=True,
        )
        for p in pipelines
    }


def win_rate(rate: WinRate, lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    charts = {
        "win-count": _chart(
            "doughnut",
            _("Won and lost deals"),
            [_("Won"), _("Lost")],
            [(_("Deals"), [float(rate.won), float(rate.lost)])],
        )
    }
    for value in rate.by_value:
        charts[f"win-value-{value.currency}"] = _chart(
            "doughnut",
            _("Won and lost value") + f" ({value.currency})",
            [_("Won"), _("Lost")],
            [(value.currency, [_amount(value.won), _amount(value.lost)])],
            currency=value.currency,
        )
    return charts


def lost_reasons(lost: LostReasons, lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    charts: dict[str, Chart] = {}
    for name, title, buckets in (
        ("lost-reasons", _("Lost reasons"), lost.reasons),
        ("lost-competitors", _("Competitors"), lost.competitors),
    ):
        charts[name] = _chart(
            "bar",
            title,
            [b.key or _("none given") for b in buckets],
            [
                (_("This period"), [float(b.count) for b in buckets]),
                (_("Previous period"), [float(b.previous_count) for b in buckets]),
            ],
            horizontal=True,
        )
    return charts


def cycle(figures: SalesCycle, lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    return {
        "cycle-open": _chart(
            "bar",
            _("Age of the open deals (days)"),
            [d.deal_id[:8] for d in figures.open_deals],
            [(_("Days since created"), [_percent(d.age_days) for d in figures.open_deals])],
            horizontal=True,
            mean=_percent(figures.mean_days),
        )
    }


def velocity(figures: Velocity, lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    previous = {c.currency: c for c in figures.previous}
    return {
        f"velocity-{c.currency}": _chart(
            "bar",
            _("Sales velocity per day") + f" ({c.currency})",
            [figures.previous_label, figures.label],
            [
                (
                    c.currency,
                    [
                        _amount(getattr(previous.get(c.currency), "per_day", None)),
                        _amount(c.per_day),
                    ],
                )
            ],
            currency=c.currency,
        )
        for c in figures.current
    }


def forecast(figures: Forecast, lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    charts = {}
    for currency in figures.currencies:
        totals = figures.totals_in(currency)
        charts[f"forecast-{currency}"] = _chart(
            "bar",
            _("Forecast") + f" ({currency})",
            [t.close_period for t in totals],
            [
                (_("Commit"), [_amount(t.commit) for t in totals]),
                (_("Best case"), [_amount(t.best_case) for t in totals]),
                (_("Pipeline"), [_amount(t.pipeline) for t in totals]),
                (_("Weighted"), [_amount(t.weighted) for t in totals]),
                (_("Won"), [_amount(t.won) for t in totals]),
            ],
            currency=currency,
        )
    return charts


def targets(rows: tuple[TargetVsActual, ...], lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    charts = {}
    currencies = sorted({t.target_amount.currency for t in rows if t.target_amount})
    for currency in currencies:
        mine = [t for t in rows if t.target_amount and t.target_amount.currency == currency]
        charts[f"targets-{currency}"] = _chart(
            "bar",
            _("Targets and actual") + f" ({currency})",
            [f"{t.team_id[:8]} · {t.sales_line_id[:8]}" for t in mine],
            [
                (_("Target"), [_amount(t.target_amount) for t in mine]),
                (_("Actual"), [_amount(t.actual_amount) for t in mine]),
            ],
            currency=currency,
        )
    return charts


def campaigns(rows: tuple[CampaignRoi, ...], lang: Language) -> dict[str, Chart]:
    _ = lang.gettext
    charts = {}
    for currency in sorted({c.cost.currency for c in rows if c.cost}):
        mine = [c for c in rows if c.cost and c.cost.currency == currency]
        charts[f"campaigns-{currency}"] = _chart(
            "bar",
            _("Campaign cost and won revenue") + f" ({currency})",
            [c.name for c in mine],
            [
                (_("Cost"), [_amount(c.cost) for c in mine]),
                (_("Won revenue"), [_amount(c.won_revenue) for c in mine]),
            ],
            currency=currency,
        )
    return charts


def leaderboard(
    board: Leaderboard, lang: Language, names: Mapping[str, str] | None = None
) -> dict[str, Chart]:
    """Reps and teams by their names; an id territory gave no name for by its first 8 letters."""
    _ = lang.gettext
    known = names or {}
    return {
        name: _chart(
            "bar",
            title,
            [known.get(r.id) or r.id[:8] for r in rows],
            [(_("Deals won"), [float(r.won) for r in rows])],
            horizontal=True,
        )
        for name, title, rows in (
            ("leaders-reps", _("Reps by deals won"), board.reps),
            ("leaders-teams", _("Teams by deals won"), board.teams),
        )
    }
