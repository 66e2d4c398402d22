"""reporting's own Prometheus metrics (the chassis adds gRPC, event and outbox metrics).

Labels stay low-cardinality: the source service, the sales line and the currency; never a user,
team or deal.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm_reporting.service_layer.business import LineFigures
from crm_reporting.service_layer.ports import RebuildStatus

EVENT_LAG = Histogram(
    "crm_reporting_event_lag_seconds",
    "Seconds from an event's occurrence (its producer's commit) to its effect on reporting's "
    "read models, per source service.",
    ["source"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
EVENTS_RECORDED = Counter(
    "crm_reporting_events_recorded_total",
    "Events stored in reporting's event store, by source service and event type.",
    ["source", "event_type"],
)
OPEN_DEALS = Gauge(
    "crm_reporting_open_deals", "Open deals of the company, per sales line.", ["sales_line"]
)
OPEN_PIPELINE = Gauge(
    "crm_reporting_open_pipeline_value",
    "Estimated revenue of the company's open deals, per sales line and currency.",
    ["sales_line", "currency"],
)
WON_THIS_MONTH = Gauge(
    "crm_reporting_won_value_this_month",
    "Revenue of the deals won in the current UTC month, per sales line and currency.",
    ["sales_line", "currency"],
)
WON_DEALS_THIS_MONTH = Gauge(
    "crm_reporting_won_deals_this_month",
    "Deals won in the current UTC month, per sales line.",
    ["sales_line"],
)


REBUILD_FAILED = Gauge(
    "crm_reporting_rebuild_failed",
    "1 when the latest run of the read models' rebuild failed (its figures were left as they "
    "were), else 0.",
)
REBUILD_LAST_SUCCESS = Gauge(
    "crm_reporting_rebuild_last_success_timestamp_seconds",
    "Unix time at which the latest successful rebuild of the read models committed (0: never).",
)


def publish_rebuild(status: RebuildStatus) -> None:
    REBUILD_FAILED.set(1 if status.last is not None and not status.last.succeeded else 0)
    success = status.last_success
    REBUILD_LAST_SUCCESS.set(success.finished_at.timestamp() if success else 0)


def observe_recorded(source: str, event_type: str, lag_seconds: float) -> None:
    EVENT_LAG.labels(source).observe(lag_seconds)
    EVENTS_RECORDED.labels(source, event_type).inc()


def observe_at_commit(
    session: Session, source: str, event_type: str, occurred_at: dt.datetime
) -> None:
    """Observes the event's lag when ``session`` commits (the moment the reports can see it),
    not when the worker stores it; nothing if the transaction rolls back. (The listeners stay
    on the session, which the worker opens per delivery or batch.)"""
    observe_all_at_commit(session, source, [(event_type, occurred_at)])


def observe_all_at_commit(
    session: Session, source: str, events: list[tuple[str, dt.datetime]]
) -> None:
    """``observe_at_commit`` of a batch's (event type, occurred at) pairs: one listener each."""
    pending = [True]

    def visible(_: Session) -> None:
        if pending:
            pending.clear()
            now = dt.datetime.now(dt.UTC)
            for event_type, occurred_at in events:
                lag = (now - occurred_at).total_seconds()
                observe_recorded(source, event_type, max(0.0, lag))

    def rolled_back(_: Session) -> None:
        pending.clear()

    event.listen(session, "after_commit", visible)
    event.listen(session, "after_rollback", rolled_back)


def publish_business(figures: list[LineFigures]) -> None:
    """Sets the business gauges to ``figures`` (lines and currencies that vanished are
    dropped)."""
    for gauge in (OPEN_DEALS, OPEN_PIPELINE, WON_THIS_MONTH, WON_DEALS_THIS_MONTH):
        gauge.clear()
    for line in figures:
        OPEN_DEALS.labels(line.sales_line_id).set(line.open_deals)
        WON_DEALS_THIS_MONTH.labels(line.sales_line_id).set(line.won_deals)
        for currency, amount in line.open_value.rounded():
            OPEN_PIPELINE.labels(line.sales_line_id, currency).set(float(amount))
        for currency, amount in line.won_value.rounded():
            WON_THIS_MONTH.labels(line.sales_line_id, currency).set(float(amount))
