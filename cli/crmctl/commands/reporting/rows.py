"""reporting's answers as rows to print: money as one string per currency, enum words."""

from __future__ import annotations

from crm.reporting.v1 import reports_pb2
from crmctl.wire import enum_word, money_text


def monies(values) -> str:
    """Several currencies side by side ("1200.00 EUR, 300.00 USD"): never summed."""
    return ", ".join(money_text(v) for v in values)


def funnel_rows(pipeline) -> list[dict]:
    return [
        {
            "stage": s.stage_name or s.stage_key,
            "open": s.open_deals,
            "open_value": monies(s.open_value),
            "reached": s.reached,
            "to_next": f"{s.conversion_to_next_percent}%" if s.conversion_to_next_percent else "",
            "mean_days": s.mean_days,
            "median_days": s.median_days,
            "expected_days": s.expected_days or "",
            "stuck": s.stuck_deals,
        }
        for s in pipeline.stages
    ]


FUNNEL_COLUMNS = [
    ("stage", "stage"),
    ("open", "open"),
    ("open_value", "open value"),
    ("reached", "reached"),
    ("to_next", "→ next"),
    ("mean_days", "mean d"),
    ("median_days", "median d"),
    ("expected_days", "expected d"),
    ("stuck", "stuck"),
]


def lost_rows(buckets) -> list[dict]:
    return [
        {
            "key": b.key,
            "count": b.count,
            "value": monies(b.value),
            "share": f"{b.share_percent}%" if b.share_percent else "",
            "previous": b.previous_count,
        }
        for b in buckets
    ]


LOST_COLUMNS = [
    ("key", "why"),
    ("count", "lost"),
    ("value", "value"),
    ("share", "share"),
    ("previous", "previous period"),
]


def forecast_rows(response) -> list[dict]:
    return [
        {
            "close_period": t.close_period or "no date",
            "currency": t.currency,
            "commit": t.commit.amount,
            "best_case": t.best_case.amount,
            "pipeline": t.pipeline.amount,
            "weighted": t.weighted.amount,
            "won": t.won.amount,
        }
        for t in response.totals
    ]


FORECAST_COLUMNS = [
    ("close_period", "close period"),
    ("currency", "cur"),
    ("commit", "commit"),
    ("best_case", "best case"),
    ("pipeline", "pipeline"),
    ("weighted", "weighted"),
    ("won", "won"),
]


def category(value: int) -> str:
    return enum_word(reports_pb2.ForecastCategory, value)


def leader_rows(rows, name) -> list[dict]:
    return [
        {
            "who": name(r.id),
            "won": r.won,
            "won_value": monies(r.won_value),
            "win_rate": f"{r.win_rate_percent}%" if r.win_rate_percent else "",
            "cycle_days": r.cycle_days,
            "lost": r.lost,
        }
        for r in rows
    ]


LEADER_COLUMNS = [
    ("who", "who"),
    ("won", "won"),
    ("won_value", "won value"),
    ("win_rate", "win rate"),
    ("cycle_days", "cycle d"),
    ("lost", "lost"),
]
