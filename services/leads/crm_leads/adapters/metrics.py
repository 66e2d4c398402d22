"""Prometheus metrics of leads' background work (the worker's /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RESCORED = Counter(
    "leads_rescored_total",
    "Leads whose score or grade changed in background rescoring, by reason (model_changed, decay).",
    ["reason"],
)
RESCORE_JOBS = Gauge(
    "leads_rescore_jobs_pending",
    "Sales lines with a background rescoring still walking their leads.",
)
CONVERSIONS_DISPATCHED = Counter(
    "leads_conversions_dispatched_total",
    "Conversion attempts sent or timed out by the dispatcher (each is visible on its lead).",
)
HANDED_OVER = Counter(
    "leads_handed_over_total",
    "Open leads of a leaver handed to a remaining member or left unowned.",
    ["outcome"],
)
