"""Prometheus metrics of event consumption (label ``consumer`` = "<service>.<method>")."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LABELS = ["consumer", "event_type"]

CONSUMED = Counter("events_consumed_total", "Events handled and committed.", _LABELS)
DUPLICATES = Counter(
    "inbox_duplicates_skipped_total",
    "Deliveries skipped because the inbox had the event already.",
    _LABELS,
)
FAILED = Counter(
    "events_failed_total", "Deliveries whose handler raised (retried or dead-lettered).", _LABELS
)
TRANSIENT_RETRIES = Counter(
    "events_transient_retries_total",
    "Handler runs that failed on the infrastructure (database, broker) and are retried after a "
    "backoff without counting a delivery.",
    _LABELS,
)
HELD = Gauge(
    "event_deliveries_held",
    "Deliveries a handler holds for a retry because the infrastructure (database, broker) "
    "failed; above 0 the worker is waiting for it and takes no new deliveries beyond them.",
    _LABELS,
)
DEAD_LETTERED = Counter(
    "events_dead_lettered_total",
    "Events sent to the dead-letter queue (poison, or retries exhausted).",
    _LABELS,
)
HANDLING_SECONDS = Histogram(
    "event_handling_seconds",
    "Time to handle one event and commit.",
    _LABELS,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LAG_SECONDS = Histogram(
    "event_lag_seconds",
    "Time from the change (meta.occurred_at) to handling.",
    _LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
DEAD_LETTER_DEPTH = Gauge(
    "dead_letter_queue_messages", "Messages waiting in a dead-letter queue.", ["queue"]
)
REFUSED = Counter(
    "events_refused_total",
    "Deliveries dead-lettered unhandled because their producer is not the service "
    "that owns the event type (reason: missing_user_id, wrong_producer).",
    [*_LABELS, "reason"],
)
QUEUE_CONSUMERS = Gauge(
    "event_queue_consumers",
    "1 while this worker process consumes the handler queue (connected, consumer set up), else "
    "0; summed over processes: how many workers consume it.",
    ["queue"],
)
