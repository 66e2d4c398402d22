"""Prometheus metrics of the outbox relay (label ``service``: the relay's service)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PENDING = Gauge(
    "outbox_pending_events", "Outbox rows not yet confirmed by the broker.", ["service"]
)
OLDEST_PENDING_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest pending outbox row (0 when none is pending).",
    ["service"],
)
PUBLISHED = Counter("outbox_published_total", "Outbox rows confirmed by the broker.", ["service"])
PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total",
    "Rows nacked by the broker, or batches lost with the connection.",
    ["service"],
)
UNROUTABLE = Counter(
    "outbox_unroutable_total",
    "Rows returned by the broker although a service subscribes to their type.",
    ["service"],
)
BATCH_SECONDS = Histogram(
    "outbox_publish_batch_seconds",
    "Time to publish one batch and receive all its confirms.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LEADER = Gauge(
    "outbox_relay_leader", "1 while this relay holds its service's relay lock.", ["service"]
)
UNSUBSCRIBED = Counter(
    "outbox_unsubscribed_total",
    "Rows of event types no service subscribes to (the broker had no queue for them, as expected).",
    ["service"],
)
QUARANTINED = Gauge(
    "outbox_quarantined_events",
    "Outbox rows quarantined after too many failed publishes.",
    ["service"],
)
QUARANTINED_TOTAL = Counter(
    "outbox_quarantined_total", "Outbox rows this relay quarantined.", ["service"]
)
