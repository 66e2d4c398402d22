"""The outbox relay: publishes pending outbox rows in id order and records the broker's verdict.

One loop iteration: read up to ``batch_size`` pending rows ordered by id, publish them with
confirms, then in one statement per outcome mark confirmed rows SENT, returned rows UNROUTABLE
(kept for inspection) and count an attempt on nacked rows, which stay pending. Every iteration
starts again from the earliest pending row, so after any failure (nack, lost connection, crash)
publishing resumes in id order; what was published but not yet marked is published again
(at-least-once: consumers dedupe by event id in their inbox).

Only one relay may publish a service's outbox, or two would interleave and break per-aggregate
order: on PostgreSQL the active relay holds a session advisory lock on a dedicated connection;
standby relays retry every few seconds. SQLite databases are single-host: no lock.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Protocol, Sequence

from sqlalchemy import Engine, MetaData, any_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError, OperationalError

from crm_chassis.db import is_postgres, utcnow
from crm_chassis.outbox import metrics
from crm_chassis.outbox.publisher import (BatchResult, OutgoingMessage, PublisherConnectionError,
                                          message_from_row)
from crm_chassis.outbox.tables import PENDING, SENT, UNROUTABLE, outbox_table

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish_batch(self, messages: Sequence[OutgoingMessage]) -> BatchResult: ...
    def idle(self, seconds: float) -> None: ...
    def close(self) -> None: ...


def relay_lock_key(service_name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``service_name``'s relay."""
    digest = hashlib.sha256(f"crm.outbox.relay:{service_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class RelayLeadership:
    """Whether this relay may publish. PostgreSQL: a session advisory lock on its own connection
    (released by the server if this process dies); anything else: always the leader."""

    def __init__(self, engine: Engine, service_name: str, check_seconds: float = 5.0):
        self._engine = engine
        self._key = relay_lock_key(service_name)
        self._check_seconds = check_seconds
        self._connection = None
        self._checked_at = 0.0
        self.is_leader = not is_postgres(engine)

    def try_acquire(self) -> bool:
        if not is_postgres(self._engine) or self.is_leader:
            return self.still_held()
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            acquired = connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                          {"k": self._key}).scalar()
        except (OperationalError, DBAPIError) as exc:
            log.warning("relay lock: database unavailable (%s)", exc.__class__.__name__)
            return False
        if acquired:
            self._connection, self.is_leader, self._checked_at = connection, True, time.monotonic()
        else:
            connection.close()
        return bool(acquired)

    def still_held(self) -> bool:
        """Re-check the lock connection every few seconds: a lost connection lost the lock."""
        if self._connection is None or time.monotonic() - self._checked_at < self._check_seconds:
            return self.is_leader
        try:
            self._connection.execute(text("SELECT 1"))
            self._checked_at = time.monotonic()
        except (OperationalError, DBAPIError):
            log.warning("relay lock connection lost: stepping down")
            self.release()
        return self.is_leader

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self.is_leader = False
            try:
                connection.close()   # closing the session releases the advisory lock
            except Exception:
                log.debug("error closing the relay lock connection", exc_info=True)


# With a LISTEN connection the relay checks the outbox at least this often anyway.
WAKEUP_FALLBACK_POLL_SECONDS = 1.0


class OutboxRelay:
    def __init__(self, engine: Engine, service_name: str, publisher: Publisher, batch_size: int = 500,
                 poll_seconds: float = 0.05, *, standby_retry_seconds: float = 3.0,
                 max_backoff_seconds: float = 5.0, stats_seconds: float = 1.0,
                 wakeup=None):
        self._engine = engine
        self._service = service_name
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._standby_retry = standby_retry_seconds
        self._max_backoff = max_backoff_seconds
        self._stats_seconds = stats_seconds
        self._wakeup = wakeup   # OutboxWakeup on PostgreSQL: idle ends at the next commit
        self._stats_at = 0.0
        self._table = outbox_table(MetaData())
        self._stop = threading.Event()
        self.leadership = RelayLeadership(engine, service_name)
        self._select = (select(self._table.c.id, self._table.c.event_id, self._table.c.event_type,
                               self._table.c.exchange, self._table.c.payload,
                               self._table.c.headers, self._table.c.occurred_at)
                        .where(self._table.c.status == PENDING)
                        .order_by(self._table.c.id).limit(batch_size))
        if is_postgres(engine):   # one array parameter instead of one bind per row
            self._ids_match = self._table.c.id == any_(bindparam("ids", type_=ARRAY(BIGINT)))
        else:
            self._ids_match = self._table.c.id.in_(bindparam("ids", expanding=True))

    def _idle_seconds(self) -> float:
        # LISTENing, a commit wakes the relay at once; polling is then only the safety net for a
        # notification lost with its connection. Polling every 50 ms regardless cost each idle
        # relay ~3.5 % of a core and 20 queries a second, times every service.
        if self._wakeup is not None and self._wakeup.fileno() is not None:
            return max(self._poll_seconds, WAKEUP_FALLBACK_POLL_SECONDS)
        return self._poll_seconds

    # ------------------------------------------------------------------ control
    def stop(self) -> None:
        """Ask the loop to end after the batch in flight (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        labels = metrics.LEADER.labels(self._service)
        backoff, standing_by = 0.0, False
        try:
            while not self._stop.is_set():
                if not self.leadership.try_acquire():
                    if not standing_by:
                        log.info("another relay of %s is active: standing by", self._service)
                        standing_by = True
                    labels.set(0)
                    self._stop.wait(self._standby_retry)
                    continue
                if standing_by:
                    log.info("relay of %s is now the active one", self._service)
                    standing_by = False
                labels.set(1)
                try:
                    published = self.run_once()
                    backoff = 0.0
                except PublisherConnectionError as exc:
                    backoff = min(self._max_backoff, max(0.25, backoff * 2))
                    log.warning("broker unavailable (%s); retrying in %.2fs", exc, backoff)
                    self._stop.wait(backoff)
                    continue
                except (OperationalError, DBAPIError) as exc:
                    backoff = min(self._max_backoff, max(0.25, backoff * 2))
                    log.warning("database unavailable (%s); retrying in %.2fs",
                                exc.__class__.__name__, backoff)
                    self._stop.wait(backoff)
                    continue
                if published < self._batch_size and not self._stop.is_set():
                    self._publisher.idle(self._idle_seconds(), self._wakeup)
        finally:
            labels.set(0)
            if self._wakeup is not None:
                self._wakeup.close()
            self.leadership.release()
            self._publisher.close()

    # ------------------------------------------------------------------ one batch
    def run_once(self) -> int:
        """Publish one batch of pending rows; returns how many rows were published."""
        with self._engine.connect() as conn:
            rows = conn.execute(self._select).mappings().all()
        self._refresh_stats(force=not rows)
        if not rows:
            return 0
        messages = [message_from_row(row) for row in rows]
        started = time.perf_counter()
        try:
            result = self._publisher.publish_batch(messages)
        except PublisherConnectionError:
            metrics.PUBLISH_FAILURES.labels(self._service).inc(len(messages))
            raise
        metrics.BATCH_SECONDS.labels(self._service).observe(time.perf_counter() - started)
        self._record(result)
        return len(messages)

    def _record(self, result: BatchResult) -> None:
        table, now = self._table, utcnow()
        with self._engine.begin() as conn:
            if result.confirmed:
                conn.execute(update(table).where(self._ids_match).values(
                    status=SENT, sent_at=now, attempts=table.c.attempts + 1),
                    {"ids": list(result.confirmed)})
            by_reason: dict[str, list] = {}
            for row_id, reason in result.returned:
                by_reason.setdefault(reason, []).append(row_id)
            for reason, ids in by_reason.items():
                conn.execute(update(table).where(self._ids_match).values(
                    status=UNROUTABLE, last_error=reason, attempts=table.c.attempts + 1),
                    {"ids": ids})
            if result.nacked:
                conn.execute(update(table).where(self._ids_match).values(
                    last_error="nacked by broker", attempts=table.c.attempts + 1),
                    {"ids": list(result.nacked)})
        metrics.PUBLISHED.labels(self._service).inc(len(result.confirmed))
        if result.returned:
            metrics.UNROUTABLE.labels(self._service).inc(len(result.returned))
            log.warning("%d events returned as unroutable (no queue bound), e.g. row %s: %s",
                        len(result.returned), *result.returned[0])
        if result.nacked:
            metrics.PUBLISH_FAILURES.labels(self._service).inc(len(result.nacked))
            log.warning("%d events nacked by the broker; they stay pending", len(result.nacked))

    def _refresh_stats(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._stats_at < self._stats_seconds:
            return
        self._stats_at = now
        table = self._table
        with self._engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(table)
                                 .where(table.c.status == PENDING)).scalar_one()
            oldest = conn.execute(select(table.c.occurred_at).where(table.c.status == PENDING)
                                  .order_by(table.c.id).limit(1)).scalar()
        metrics.PENDING.labels(self._service).set(count)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        metrics.OLDEST_PENDING_AGE.labels(self._service).set(max(0.0, age))
