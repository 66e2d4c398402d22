"""Every query of the Grafana dashboard (each panel's, and the variables') and of the alert
rules names only metrics the code exports, with labels those metrics carry (or the scrape
config adds). A panel that shows a renamed metric or a dropped label draws an empty graph
without an error anywhere; this is where it fails instead.

The queries are read with a small PromQL scanner: identifiers followed by ``(`` are
functions or aggregations; inside ``{...}`` the names before a matcher are labels; inside
``by (...)``, ``without (...)``, ``on (...)``, ``ignoring (...)``, ``group_left (...)`` and
``group_right (...)`` they are labels; ``[...]`` ranges and quoted strings are skipped;
every other identifier is a metric."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1]
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan"}  # fmt: skip
# Aggregations may take their clause before the parenthesis: `sum by (x) (...)`.
AGGREGATIONS = {"sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk",
                "bottomk", "quantile", "count_values"}  # fmt: skip
LABEL_CLAUSES = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# Added to every series by deploy/prometheus/scrape.yaml (service, process, namespace, pod) or
# by Prometheus itself (job, instance); `le` is every histogram bucket's.
SCRAPE_LABELS = {"service", "process", "namespace", "pod", "job", "instance"}
PROMETHEUS_OWN = {"up": set()}  # Prometheus's own series per target
TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\[[^\]]*\]|\$\{?\w+\}?|[A-Za-z_:][A-Za-z0-9_:]*'
    r"|[(){},]|=~|!~|!=|=|\d+(?:\.\d+)?|\S"
)


def scan(expr: str) -> tuple[set[str], dict[str, set[str]]]:
    """(metrics named, labels used per metric: matchers and the clauses around it)."""
    tokens = TOKEN.findall(expr)
    metrics: set[str] = set()
    labels: dict[str, set[str]] = {}
    clause_labels: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in LABEL_CLAUSES and following == "(":
            j = i + 2
            while j < len(tokens) and tokens[j] != ")":
                if re.fullmatch(r"[A-Za-z_]\w*", tokens[j]):
                    clause_labels.add(tokens[j])
                j += 1
            i = j + 1
            continue
        if re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", token) and token.lower() not in KEYWORDS:
            if following == "(" or token in AGGREGATIONS:
                i += 1
                continue  # a function or an aggregation
            metrics.add(token)
            used = labels.setdefault(token, set())
            if following == "{":
                j = i + 2
                while j < len(tokens) and tokens[j] != "}":
                    if tokens[j + 1 : j + 2] and tokens[j + 1] in ("=", "!=", "=~", "!~"):
                        used.add(tokens[j])
                    j += 1
                i = j
        i += 1
    for metric in metrics:  # a clause groups every series of the expression
        labels[metric] |= clause_labels
    return metrics, labels


def exported() -> dict[str, set[str]]:
    """Every metric name the code registers, with its label names."""
    from prometheus_client import REGISTRY

    import crm_chassis.grpc.metrics
    import crm_chassis.http_observability
    import crm_chassis.messaging.dlq
    import crm_chassis.messaging.metrics
    import crm_chassis.outbox.metrics
    import crm_chassis.retention  # noqa: F401
    import crm_deals.adapters.metrics  # noqa: F401
    import crm_identity.adapters.metrics  # noqa: F401
    import crm_leads.adapters.metrics  # noqa: F401
    import crm_reporting.adapters.metrics  # noqa: F401
    import crm_territory.adapters.metrics  # noqa: F401

    found: dict[str, set[str]] = dict(PROMETHEUS_OWN)
    for collector, names in list(REGISTRY._collector_to_names.items()):
        label_names = set(getattr(collector, "_labelnames", ()))
        for name in names:
            found[name] = label_names | ({"le"} if name.endswith("_bucket") else set())
    return found


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, expression) of every panel target and every query variable."""
    found = []
    for path in sorted((DEPLOY / "grafana").glob("*.json")):
        board = json.loads(path.read_text())

        def walk(panels):
            for panel in panels:
                yield panel
                yield from walk(panel.get("panels", []))

        for panel in walk(board.get("panels", [])):
            for target in panel.get("targets", []):
                found.append((f"{path.name}: panel {panel.get('title')!r}", target["expr"]))
        for variable in board.get("templating", {}).get("list", []):
            query = variable.get("query")
            if isinstance(query, dict):
                found.append((f"{path.name}: variable {variable['name']}", query["query"]))
    return found


def alert_queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    return [
        (f"alerts.yaml: {rule['alert']}", rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    ]


def problems_of(where: str, expr: str, known: dict[str, set[str]]) -> list[str]:
    expr = re.sub(r"label_values\(([^,]+),\s*\w+\)", r"\1", expr)  # Grafana's variable query
    metrics, labels = scan(expr)
    problems = [] if metrics else [f"{where}: no metric in {expr!r}"]
    for metric in sorted(metrics):
        if metric not in known:
            problems.append(f"{where}: {metric} is not exported by the code")
            continue
        unknown = labels[metric] - known[metric] - SCRAPE_LABELS
        if unknown:
            problems.append(f"{where}: {metric} has no label {sorted(unknown)}")
    return problems


def test_the_scanner_finds_metrics_and_labels():
    metrics, labels = scan(
        "histogram_quantile(0.99, sum by (le, consumer) (rate(event_lag_seconds_bucket"
        '{service="$service", x!~"a{b}"}[$__rate_interval]))) / ignoring(y) up'
    )
    assert metrics == {"event_lag_seconds_bucket", "up"}
    assert labels["event_lag_seconds_bucket"] == {"le", "consumer", "service", "x", "y"}


def test_a_renamed_metric_or_a_dropped_label_is_caught():
    known = exported()
    assert problems_of("t", "sum(rate(grpc_server_handled_total[5m]))", known) == []
    assert problems_of("t", "max(territory_unassigned_lead)", known)
    assert problems_of("t", "sum by (grpc_route) (rate(grpc_server_handled_total[5m]))", known)
    assert problems_of("t", "sum(rate(grpc_server_started_total{grpc_code='OK'}[5m]))", known)


@pytest.mark.parametrize("where, expr", dashboard_queries() + alert_queries())
def test_every_query_names_exported_metrics_and_their_labels(where, expr):
    assert problems_of(where, expr, exported()) == []


def test_every_panel_has_a_query():
    board = json.loads((DEPLOY / "grafana" / "crm-services.json").read_text())
    empty = [
        p["title"]
        for row in board["panels"]
        for p in [row, *row.get("panels", [])]
        if p.get("type") not in ("row", "text") and not p.get("targets")
    ]
    assert empty == []
