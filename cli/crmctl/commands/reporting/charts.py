"""The charts a manager would rather look at, drawn with matplotlib into a PNG file.

matplotlib runs on its Agg backend (a file, never a window), chosen before pyplot is imported,
so crmctl draws on a server without a display. It is imported only when a chart is asked for:
every other command starts without it. Amounts are drawn as floats (a chart shows magnitude);
tables and ``-o json`` keep the exact decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crmctl.session import CliError


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _amount(money) -> float:
    return float(money.amount) if money.amount else 0.0


def _save(plt, figure, path: str) -> None:
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise CliError(f"--chart writes a PNG file; name it *.png, not {path!r}")
    figure.tight_layout()
    try:
        figure.savefig(target, format="png", dpi=110)
    except OSError as exc:
        raise CliError(f"cannot write the chart to {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(figure)


def funnel(path: str, response) -> None:
    """One horizontal funnel per pipeline: deals that reached each stage, widest at the top."""
    pipelines = list(response.pipelines) or []
    if not pipelines:
        raise CliError("nothing to draw: the funnel has no pipeline in this scope")
    plt = _pyplot()
    figure, axes = plt.subplots(
        len(pipelines),
        1,
        figsize=(8, 2 + 0.6 * max(len(p.stages) for p in pipelines) * len(pipelines)),
        squeeze=False,
    )
    for ax, pipeline in zip(axes[:, 0], pipelines, strict=True):
        names = [s.stage_name or s.stage_key for s in pipeline.stages]
        reached = [s.reached for s in pipeline.stages]
        widest = max(reached, default=0) or 1
        lefts = [(widest - r) / 2 for r in reached]
        ax.barh(names, reached, left=lefts, color="#3b7dd8")
        for y, (left, value, stage) in enumerate(zip(lefts, reached, pipeline.stages, strict=True)):
            note = f"{value}"
            if stage.conversion_to_next_percent:
                note += f"  ({stage.conversion_to_next_percent}% on)"
            ax.text(left + value / 2, y, note, ha="center", va="center", color="white", fontsize=8)
        ax.invert_yaxis()
        ax.set_xticks([])
        ax.set_title(f"Funnel, sales line {pipeline.sales_line_id} ({response.period.label})")
    _save(plt, figure, path)


def forecast(path: str, response, currency: str) -> None:
    """Stacked bars per close period: commit, best case and pipeline, in one currency."""
    totals = [t for t in response.totals if t.currency == currency]
    if not totals:
        known = sorted({t.currency for t in response.totals})
        raise CliError(
            f"no forecast in {currency or 'any currency'}; currencies: {', '.join(known) or 'none'}"
        )
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(8, 4.5))
    labels = [t.close_period or "no date" for t in totals]
    bottom = [0.0] * len(totals)
    for name, field, color in (
        ("commit", "commit", "#2a9d5c"),
        ("best case", "best_case", "#f2b134"),
        ("pipeline", "pipeline", "#9aa5b1"),
    ):
        values = [_amount(getattr(t, field)) for t in totals]
        ax.bar(labels, values, bottom=bottom, label=name, color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.plot(labels, [_amount(t.weighted) for t in totals], "k.--", label="weighted")
    ax.set_ylabel(currency)
    ax.set_title(f"Forecast by close period ({response.period.label})")
    ax.legend()
    _save(plt, figure, path)


def targets(path: str, response, names) -> None:
    """Target against actual amount per team (and period), with attainment on top."""
    rows = list(response.targets)
    if not rows:
        raise CliError("nothing to draw: no target in this scope and period")
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(max(6, 1.2 * len(rows)), 4.5))
    labels = [f"{names(r.team_id)}\n{r.period}" for r in rows]
    positions = range(len(rows))
    ax.bar(
        [p - 0.2 for p in positions],
        [_amount(r.target_amount) for r in rows],
        0.4,
        label="target",
        color="#9aa5b1",
    )
    ax.bar(
        [p + 0.2 for p in positions],
        [_amount(r.actual_amount) for r in rows],
        0.4,
        label="actual",
        color="#3b7dd8",
    )
    for p, row in zip(positions, rows, strict=True):
        if row.amount_attainment_percent:
            top = max(_amount(row.target_amount), _amount(row.actual_amount))
            ax.text(
                p, top, f"{row.amount_attainment_percent}%", ha="center", va="bottom", fontsize=8
            )
    ax.set_xticks(list(positions), labels, fontsize=8)
    currencies = sorted({r.target_amount.currency for r in rows if r.target_amount.currency})
    ax.set_ylabel(", ".join(currencies))
    ax.set_title(f"Targets vs actual ({response.period.label})")
    ax.legend()
    _save(plt, figure, path)


def velocity(path: str, points: Sequence[tuple[str, dict[str, float]]]) -> None:
    """Sales velocity (money per day) per currency over successive periods, oldest first."""
    currencies = sorted({c for _, values in points for c in values})
    if not currencies:
        raise CliError("nothing to draw: no velocity in these periods (no open or won deals)")
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(8, 4.5))
    labels = [label for label, _ in points]
    for currency in currencies:
        ax.plot(
            labels, [values.get(currency, 0.0) for _, values in points], marker="o", label=currency
        )
    ax.set_ylabel("per day")
    ax.set_title("Sales velocity trend")
    ax.legend()
    _save(plt, figure, path)
