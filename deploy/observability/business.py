"""The reporting service's part of the observability render: its alert group (read-model lag, a failed rebuild)
and the Grafana business dashboard (company-level sales figures per sales line), beside the ops
dashboard of deploy/observability/generate.py, which imports this module.

The business gauges carry low-cardinality labels only (sales line, currency): never a user,
team or deal (docs/services/reporting.md, "Metrics").
"""

from __future__ import annotations

from collections.abc import Callable

LAG_P99 = "histogram_quantile(0.99, sum by (le) (rate(crm_reporting_event_lag_seconds_bucket[5m])))"


def reporting_alert_group(alert: Callable[..., dict]) -> dict:
    return {
        "name": "crm-reporting",
        "rules": [
            alert(
                "ReportingLagHigh",
                f"{LAG_P99} > 5",
                "10m",
                "ticket",
                "reporting applies events {{ $value | humanizeDuration }} after they happened "
                "(p99): reports are behind the deals and territory changes",
                "reporting-lag",
            ),
            alert(
                "ReportingRebuildFailed",
                "max(crm_reporting_rebuild_failed) > 0",
                "1m",
                "ticket",
                "the latest rebuild of reporting's read models failed: the figures are those from "
                "before it",
                "reporting-rebuild-failed",
            ),
        ],
    }


def _panel(title: str, targets: list[tuple[str, str]], unit: str, x: int, y: int, w: int) -> dict:
    return {
        "type": "timeseries",
        "title": title,
        "datasource": {"uid": "${datasource}"},
        "gridPos": {"x": x, "y": y, "w": w, "h": 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {"refId": chr(65 + i), "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def business_dashboard() -> dict:
    line = 'sales_line=~"$sales_line"'
    rows = [
        [
            (
                "Open pipeline value",
                [
                    (
                        f"sum by (sales_line, currency) (crm_reporting_open_pipeline_value{{{line}}})",
                        "{{sales_line}} {{currency}}",
                    )
                ],
                "short",
            ),
            (
                "Open deals",
                [(f"sum by (sales_line) (crm_reporting_open_deals{{{line}}})", "{{sales_line}}")],
                "short",
            ),
        ],
        [
            (
                "Won this month (value)",
                [
                    (
                        f"sum by (sales_line, currency) (crm_reporting_won_value_this_month{{{line}}})",
                        "{{sales_line}} {{currency}}",
                    )
                ],
                "short",
            ),
            (
                "Won this month (deals)",
                [
                    (
                        f"sum by (sales_line) (crm_reporting_won_deals_this_month{{{line}}})",
                        "{{sales_line}}",
                    )
                ],
                "short",
            ),
        ],
        [
            ("Read-model lag p99 (event occurred to reports)", [(LAG_P99, "p99")], "s"),
            (
                "Events recorded",
                [
                    (
                        "sum by (source, event_type) "
                        "(rate(crm_reporting_events_recorded_total[$__rate_interval]))",
                        "{{source}} {{event_type}}",
                    )
                ],
                "ops",
            ),
        ],
    ]
    panels, next_id = [], 1
    for y, row in enumerate(rows):
        width = 24 // len(row)
        for i, (title, targets, unit) in enumerate(row):
            item = _panel(title, targets, unit, i * width, y * 8, width)
            item["id"] = next_id
            next_id += 1
            panels.append(item)
    return {
        "title": "CRM business",
        "uid": "crm-business",
        "schemaVersion": 39,
        "version": 1,
        "tags": ["crm", "business"],
        "timezone": "utc",
        "refresh": "1m",
        "editable": True,
        "time": {"from": "now-30d", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Data source",
                },
                {
                    "name": "sales_line",
                    "type": "query",
                    "label": "Sales line",
                    "multi": True,
                    "includeAll": True,
                    "allValue": ".*",
                    "datasource": {"uid": "${datasource}"},
                    "refresh": 2,
                    "sort": 1,
                    "query": {
                        "query": "label_values(crm_reporting_open_deals, sales_line)",
                        "refId": "sales_line",
                    },
                    "definition": "label_values(crm_reporting_open_deals, sales_line)",
                },
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }
