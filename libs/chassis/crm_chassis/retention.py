"""Retention: deletes outbox rows the broker has taken and inbox rows once they are old.

Every event payload (personal data included) sits in the producer's outbox and its event id in
each consumer's inbox. Neither is needed for long: an outbox row is done once the broker confirmed
it (``sent``, or ``unsubscribed``: no service subscribes to its type); an inbox row only has to
outlive every redelivery of its event (``event_max_deliveries`` deliveries within minutes), so
one older than ``retention_days`` (default 7) can go. Rows still pending, unroutable or
quarantined are never deleted: they wait for the relay or an operator.

Deletes go in batches of ``retention_batch_size`` rows, one short transaction each, so pruning
never holds long locks. The outbox is walked in id order (ids grow with time) and the walk stops
at the first row younger than the cutoff, so a pass reads only the old rows plus one batch. The
relay's leader prunes its service's database (outbox and inbox) every
``retention_interval_seconds``; SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Engine, MetaData, delete, select, tuple_

from crm_chassis.db import utcnow
from crm_chassis.outbox.tables import DONE, inbox_table, outbox_table

log = logging.getLogger(__name__)

PRUNED = Counter(
    "retention_pruned_rows_total",
    "Outbox and inbox rows deleted by retention (label table: outbox or inbox).",
    ["service", "table"],
)


def prune_outbox(engine: Engine, cutoff: dt.datetime, batch_size: int) -> int:
    """Delete outbox rows done before ``cutoff`` (sent_at); returns how many."""
    table = outbox_table(MetaData())
    pruned, after = 0, None
    while True:
        query = select(table.c.id, table.c.status, table.c.sent_at, table.c.occurred_at)
        if after is not None:
            query = query.where(table.c.id > after)
        with engine.begin() as conn:
            rows = conn.execute(query.order_by(table.c.id).limit(batch_size)).all()
            done = [
                row.id
                for row in rows
                if row.status in DONE and row.sent_at is not None and row.sent_at < cutoff
            ]
            if done:
                conn.execute(delete(table).where(table.c.id.in_(done)))
        pruned += len(done)
        if len(rows) < batch_size or rows[-1].occurred_at >= cutoff:
            return pruned
        after = rows[-1].id


def prune_inbox(engine: Engine, cutoff: dt.datetime, batch_size: int) -> int:
    """Delete inbox rows processed before ``cutoff``; returns how many."""
    table = inbox_table(MetaData())
    pruned = 0
    while True:
        with engine.begin() as conn:
            keys = conn.execute(
                select(table.c.consumer, table.c.event_id)
                .where(table.c.processed_at < cutoff)
                .limit(batch_size)
            ).all()
            if keys:
                conn.execute(
                    delete(table).where(
                        tuple_(table.c.consumer, table.c.event_id).in_([tuple(k) for k in keys])
                    )
                )
        pruned += len(keys)
        if len(keys) < batch_size:
            return pruned


class Pruner:
    """Prunes one service's database at most every ``interval_seconds`` (``maybe_prune``)."""

    def __init__(
        self,
        engine: Engine,
        service_name: str,
        *,
        retention_days: float,
        batch_size: int = 500,
        interval_seconds: float = 300.0,
    ) -> None:
        self._engine = engine
        self._service = service_name
        self._age = dt.timedelta(days=retention_days)
        self._batch_size = max(1, batch_size)
        self._interval = interval_seconds
        self._last: float | None = None

    @classmethod
    def from_settings(cls, engine: Engine, service_name: str, settings: Any) -> Pruner:
        return cls(
            engine,
            service_name,
            retention_days=settings.retention_days,
            batch_size=settings.retention_batch_size,
            interval_seconds=settings.retention_interval_seconds,
        )

    def maybe_prune(self) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        try:
            self.prune()
        except Exception:
            log.warning(
                "retention of %s failed; retrying in %.0fs",
                self._service,
                self._interval,
                exc_info=True,
            )

    def prune(self) -> dict[str, int]:
        cutoff = utcnow() - self._age
        counts = {
            "outbox": prune_outbox(self._engine, cutoff, self._batch_size),
            "inbox": prune_inbox(self._engine, cutoff, self._batch_size),
        }
        for table, count in counts.items():
            PRUNED.labels(self._service, table).inc(count)
        if any(counts.values()):
            log.info(
                "retention of %s deleted %d outbox and %d inbox rows older than %s",
                self._service,
                counts["outbox"],
                counts["inbox"],
                cutoff.isoformat(),
            )
        return counts
