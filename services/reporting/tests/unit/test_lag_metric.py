"""The lag metric ends at the commit that makes an event visible in the reports: observed after
the worker's transaction commits, never for one that rolls back (adapters/metrics.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from crm_reporting.adapters import metrics


def _observed(source: str) -> float:
    for metric in metrics.EVENT_LAG.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels.get("source") == source:
                return sample.value
    return 0.0


def _slowest_bucket_hit(source: str) -> float:
    """How many observations were above 30 s (the lag of an event that occurred an hour ago)."""
    counts = {
        s.labels["le"]: s.value
        for metric in metrics.EVENT_LAG.collect()
        for s in metric.samples
        if s.name.endswith("_bucket") and s.labels.get("source") == source
    }
    return counts["+Inf"] - counts["30.0"]


def test_lag_is_observed_at_commit_and_not_on_rollback():
    engine = create_engine("sqlite://")
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        metrics.observe_at_commit(session, "lag-test", "deal_won", hour_ago)
        assert _observed("lag-test") == 0  # stored, not visible yet
        session.commit()
        assert _observed("lag-test") == 1
        assert _slowest_bucket_hit("lag-test") == 1  # an hour: from occurred_at to the commit
        session.execute(text("SELECT 1"))
        session.commit()  # once: a later transaction of the session observes nothing more
        assert _observed("lag-test") == 1
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        metrics.observe_at_commit(session, "lag-test-rolled-back", "deal_won", hour_ago)
        session.rollback()
        session.execute(text("SELECT 1"))
        session.commit()
        assert _observed("lag-test-rolled-back") == 0
    engine.dispose()
