"""The outbox relay: publishes pending outbox rows in id order and records the broker's verdict.

One loop iteration: read up to ``batch_size`` pending rows ordered by id (skipping the rows an
earlier held row of their aggregate holds back, see below), publish them with confirms, then in
one statement per outcome mark confirmed rows SENT, returned rows UNSUBSCRIBED (no service
subscribes to the event type: expected) or UNROUTABLE (a subscriber exists but its queue is
missing: kept for inspection, alerted), and count an attempt on nacked rows, which stay pending.
Every iteration starts again from the earliest pending row, so after any failure (nack, lost
connection, crash) publishing resumes in id order; what was published but not yet marked is
published again (at-least-once: consumers dedupe by event id in their inbox).

A failed publish counts an attempt on every row it carried: a nack on that row, a connection lost
mid-batch on every row of the batch (a broker that cannot be reached at all costs no attempt). A
row with attempts is *held*: it is published alone, and the subsequent rows of its aggregate wait
behind it, so per-aggregate order holds while other aggregates flow. After
``outbox_max_attempts`` failed publishes a row is QUARANTINED: it stays out of publishing, its
aggregate stays held until an operator retries it (``crm-outbox retry``), and
``outbox_quarantined_events`` says so.

Only one relay may publish a service's outbox, or two would interleave and break per-aggregate
order: see :mod:`crm_chassis.outbox.leadership`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    Engine,
    MetaData,
    RowMapping,
    and_,
    any_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError, OperationalError

from crm_chassis import tracing
from crm_chassis.db import is_postgres, utcnow

if TYPE_CHECKING:
    from crm_chassis.manifest import ServiceManifest
    from crm_chassis.outbox.wakeup import OutboxWakeup
    from crm_chassis.retention import Pruner
from crm_chassis.outbox import metrics
from crm_chassis.outbox.leadership import LeadershipLost, RelayLeadership, Standing, relay_lock_key
from crm_chassis.outbox.publisher import (
    BatchResult,
    OutgoingMessage,
    PublisherConnectionError,
    message_from_row,
)
from crm_chassis.outbox.tables import (
    PENDING,
    QUARANTINED,
    SENT,
    UNROUTABLE,
    UNSUBSCRIBED,
    outbox_table,
)

log = logging.getLogger(__name__)

__all__ = ["OutboxRelay", "Publisher", "RelayLeadership", "relay_lock_key"]


class Publisher(Protocol):
    def publish_batch(self, messages: Sequence[OutgoingMessage]) -> BatchResult: ...
    def idle(self, seconds: float, wakeup: OutboxWakeup | None = None) -> None: ...
    def close(self) -> None: ...


# With a LISTEN connection the relay checks the outbox at least this often anyway.
WAKEUP_FALLBACK_POLL_SECONDS = 1.0


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        service_name: str,
        publisher: Publisher,
        batch_size: int = 500,
        poll_seconds: float = 0.05,
        *,
        standby_retry_seconds: float = 3.0,
        max_backoff_seconds: float = 5.0,
        stats_seconds: float = 1.0,
        wakeup: OutboxWakeup | None = None,
        max_attempts: int = 10,
        subscribed_events: Iterable[str] | None = None,
        pruner: Pruner | None = None,
    ) -> None:
        self._engine = engine
        self._service = service_name
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._standby_retry = standby_retry_seconds
        self._max_backoff = max_backoff_seconds
        self._stats_seconds = stats_seconds
        self._wakeup = wakeup  # OutboxWakeup on PostgreSQL: idle ends at the next commit
        self._max_attempts = max(1, max_attempts)
        # Event types some service subscribes to (manifests); None: every return is unroutable.
        self._subscribed = None if subscribed_events is None else frozenset(subscribed_events)
        self._pruner = pruner  # crm_chassis.retention.Pruner: run by the leader between batches
        self._stats_at = 0.0
        self._table = table = outbox_table(MetaData())
        self._stop = threading.Event()
        self.leadership = RelayLeadership(engine, service_name)
        # What a readiness probe reports: could the relay reach its database and broker lately.
        self.health = {"database": True, "broker": True}
        held = table.alias("held")
        holds_back = exists().where(
            held.c.aggregate_type == table.c.aggregate_type,
            held.c.aggregate_id == table.c.aggregate_id,
            held.c.id < table.c.id,
            or_(
                held.c.status == text(f"'{QUARANTINED}'"),
                and_(held.c.status == text(f"'{PENDING}'"), held.c.attempts > text("0")),
            ),
        )
        self._select = (
            select(
                table.c.id,
                table.c.event_id,
                table.c.event_type,
                table.c.exchange,
                table.c.payload,
                table.c.headers,
                table.c.occurred_at,
                table.c.attempts,
                table.c.aggregate_type,
                table.c.aggregate_id,
            )
            .where(table.c.status == PENDING, ~holds_back)
            .order_by(table.c.id)
            .limit(batch_size)
        )
        if is_postgres(engine):  # one array parameter instead of one bind per row
            self._ids_match = table.c.id == any_(bindparam("ids", type_=ARRAY(BIGINT)))
        else:
            self._ids_match = table.c.id.in_(bindparam("ids", expanding=True))

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
        backoff, standing = 0.0, None
        try:
            while not self._stop.is_set():
                now = self.leadership.try_acquire()
                self.health["database"] = now is not Standing.UNREACHABLE
                if now is not standing:
                    self._log_standing(now)
                    standing = now
                if now is not Standing.LEADER:
                    labels.set(0)
                    self._standby_stats()
                    self._standby_wait()
                    continue
                labels.set(1)
                try:
                    published = self.run_once()
                    self.health["database"] = True
                    backoff = 0.0
                except LeadershipLost as exc:
                    log.warning("relay of %s stepped down: %s", self._service, exc)
                    labels.set(0)
                    continue
                except PublisherConnectionError as exc:
                    self.health["broker"] = False
                    backoff = min(self._max_backoff, max(0.25, backoff * 2))
                    log.warning("broker unavailable (%s); retrying in %.2fs", exc, backoff)
                    self._stop.wait(backoff)
                    continue
                except (OperationalError, DBAPIError) as exc:
                    self.health["database"] = False
                    backoff = min(self._max_backoff, max(0.25, backoff * 2))
                    log.warning(
                        "database unavailable (%s); retrying in %.2fs",
                        exc.__class__.__name__,
                        backoff,
                    )
                    self._stop.wait(backoff)
                    continue
                if published < self._batch_size and not self._stop.is_set():
                    if self._pruner is not None:
                        self._pruner.maybe_prune()
                    self._publisher.idle(self._idle_seconds(), self._wakeup)
        finally:
            labels.set(0)
            if self._wakeup is not None:
                self._wakeup.close()
            self.leadership.release()
            self._publisher.close()

    def _log_standing(self, standing: Standing) -> None:
        if standing is Standing.LEADER:
            log.info("relay of %s is now the active one", self._service)
        elif standing is Standing.STANDBY:
            log.info("another relay of %s is active: standing by", self._service)
        else:
            log.warning(
                "database of %s unreachable: cannot take the relay lock; retrying", self._service
            )

    # ------------------------------------------------------------------ one batch
    def run_once(self) -> int:
        """Publish one batch of pending rows; returns how many rows were published.

        Rows go out in id order: consecutive rows without attempts as one pipelined publish,
        each held row (with attempts) alone, so a row that breaks its publish fails only itself
        (the connection it loses is re-opened for the next). Once a row of an aggregate fails,
        the aggregate's subsequent rows of this batch wait. A broker that cannot be reached at
        all raises before any publish.
        """
        rows = self.leadership.select_batch(self._select)
        self._refresh_stats(force=not rows)
        # Connected even with nothing to publish, so /healthz sees a broker that went away
        # while the relay idled. An unreachable broker costs the rows no attempt.
        if not getattr(self._publisher, "is_connected", True):
            self._publisher.connect()  # type: ignore[attr-defined]
        self.health["broker"] = True
        if not rows:
            return 0
        blocked: set[tuple[str, str]] = set()  # aggregates with a row that failed in this batch
        chunk: list[RowMapping] = []
        lost = None
        for row in rows:
            if self._stop.is_set():
                break
            if _aggregate(row) in blocked:
                continue
            if not row["attempts"]:
                chunk.append(row)
                continue
            if chunk:
                blocked |= self._publish(chunk)
                chunk = []
                if _aggregate(row) in blocked:
                    continue
            try:
                blocked |= self._publish([row])
            except PublisherConnectionError as exc:
                lost = exc
                blocked.add(_aggregate(row))
        if chunk:
            self._publish(chunk)
        if lost is not None:
            raise lost
        return len(rows)

    def _publish(self, rows: Sequence[RowMapping]) -> set[tuple[str, str]]:
        """Publish ``rows`` and record the verdicts; returns the aggregates of nacked rows."""
        messages = [message_from_row(row) for row in rows]
        started = time.perf_counter()
        spans = _publish_spans(messages) if tracing.enabled() else None
        try:
            result = self._publisher.publish_batch(messages)
        except PublisherConnectionError as exc:
            metrics.PUBLISH_FAILURES.labels(self._service).inc(len(messages))
            self._failed([row["id"] for row in rows], f"connection lost while publishing: {exc}")
            if spans:
                _end_publish_spans(spans, BatchResult(), f"connection lost: {exc}")
            raise
        metrics.BATCH_SECONDS.labels(self._service).observe(time.perf_counter() - started)
        if spans:
            _end_publish_spans(spans, result, "")
        self._record(result, {row["id"]: row["event_type"] for row in rows})
        nacked = set(result.nacked)
        return {_aggregate(row) for row in rows if row["id"] in nacked}

    def _record(self, result: BatchResult, event_types: dict[Hashable, str]) -> None:
        table, now = self._table, utcnow()
        unsubscribed = [
            (row_id, reason)
            for row_id, reason in result.returned
            if self._subscribed is not None and event_types.get(row_id) not in self._subscribed
        ]
        unroutable = [item for item in result.returned if item not in unsubscribed]
        with self._engine.begin() as conn:
            if result.confirmed:
                conn.execute(
                    update(table)
                    .where(self._ids_match)
                    .values(status=SENT, sent_at=now, attempts=table.c.attempts + 1),
                    {"ids": list(result.confirmed)},
                )
            if unsubscribed:
                conn.execute(
                    update(table)
                    .where(self._ids_match)
                    .values(status=UNSUBSCRIBED, sent_at=now, attempts=table.c.attempts + 1),
                    {"ids": [row_id for row_id, _ in unsubscribed]},
                )
            by_reason: dict[str, list[Hashable]] = {}
            for row_id, reason in unroutable:
                by_reason.setdefault(reason, []).append(row_id)
            for reason, ids in by_reason.items():
                conn.execute(
                    update(table)
                    .where(self._ids_match)
                    .values(status=UNROUTABLE, last_error=reason, attempts=table.c.attempts + 1),
                    {"ids": ids},
                )
        if result.nacked:
            self._failed(list(result.nacked), "nacked by broker")
        metrics.PUBLISHED.labels(self._service).inc(len(result.confirmed))
        if unsubscribed:
            metrics.UNSUBSCRIBED.labels(self._service).inc(len(unsubscribed))
            log.debug(
                "%d events no service subscribes to, e.g. row %s",
                len(unsubscribed),
                unsubscribed[0][0],
            )
        if unroutable:
            metrics.UNROUTABLE.labels(self._service).inc(len(unroutable))
            log.warning(
                "%d events returned as unroutable although a service subscribes to them "
                "(its queue is missing), e.g. row %s: %s",
                len(unroutable),
                *unroutable[0],
            )
        if result.nacked:
            metrics.PUBLISH_FAILURES.labels(self._service).inc(len(result.nacked))
            log.warning("%d events nacked by the broker", len(result.nacked))

    def _failed(self, ids: list[Hashable], reason: str) -> None:
        """Count a failed publish on ``ids``; quarantine those that reached the limit."""
        table = self._table
        with self._engine.begin() as conn:
            conn.execute(
                update(table)
                .where(self._ids_match)
                .values(last_error=reason[:2000], attempts=table.c.attempts + 1),
                {"ids": ids},
            )
            quarantined = (
                conn.execute(
                    update(table)
                    .where(
                        self._ids_match,
                        table.c.status == PENDING,
                        table.c.attempts >= self._max_attempts,
                    )
                    .values(status=QUARANTINED)
                    .returning(table.c.id),
                    {"ids": ids},
                )
                .scalars()
                .all()
            )
        if quarantined:
            metrics.QUARANTINED_TOTAL.labels(self._service).inc(len(quarantined))
            log.error(
                "quarantined outbox rows %s of %s after %d failed publishes (%s): subsequent "
                "events of their aggregates wait; see `crm-outbox quarantined --service %s`",
                quarantined,
                self._service,
                self._max_attempts,
                reason,
                self._service,
            )

    def _standby_wait(self) -> None:
        """A standby keeps a broker connection too: its /healthz says whether the broker is
        reachable, and it can publish as soon as it leads. The wait serves that connection
        (heartbeats) when it is open."""
        publisher = self._publisher
        if not getattr(publisher, "is_connected", False) and hasattr(publisher, "connect"):
            try:
                publisher.connect()
            except PublisherConnectionError as exc:
                if self.health["broker"]:
                    log.warning(
                        "standby relay of %s cannot reach the broker: %s", self._service, exc
                    )
                self.health["broker"] = False
                self._stop.wait(self._standby_retry)
                return
        self.health["broker"] = True
        if getattr(publisher, "is_connected", False):
            publisher.idle(self._standby_retry)
        else:
            self._stop.wait(self._standby_retry)

    # ------------------------------------------------------------------ backlog gauges
    def _standby_stats(self) -> None:
        """A standby keeps the backlog gauges too, so a backlog no relay publishes shows."""
        try:
            self._refresh_stats(force=False)
        except (OperationalError, DBAPIError):
            self.health["database"] = False

    def _refresh_stats(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._stats_at < self._stats_seconds:
            return
        self._stats_at = now
        table = self._table
        with self._engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c.status == PENDING)
            ).scalar_one()
            oldest = conn.execute(
                select(table.c.occurred_at)
                .where(table.c.status == PENDING)
                .order_by(table.c.id)
                .limit(1)
            ).scalar()
            quarantined = conn.execute(
                select(func.count()).select_from(table).where(text(f"status = '{QUARANTINED}'"))
            ).scalar_one()
        metrics.PENDING.labels(self._service).set(count)
        metrics.QUARANTINED.labels(self._service).set(quarantined)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        metrics.OLDEST_PENDING_AGE.labels(self._service).set(max(0.0, age))


def _publish_spans(messages: Sequence[OutgoingMessage]) -> dict[Hashable, tracing.Span]:
    """A publish span per row, a child of the create span its row carries (crm_chassis.tracing)."""
    spans = {}
    for message in messages:
        span = tracing.start(
            f"{message.routing_key} publish",
            tracing.PRODUCER,
            parent=str(message.headers.get("nameko.traceparent", "")),
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": message.exchange,
                "messaging.message.id": message.event_id,
            },
        )
        if span is not None:
            spans[message.id] = span
    return spans


def _end_publish_spans(spans: dict[Hashable, tracing.Span], result: BatchResult, lost: str) -> None:
    """End each row's span at the broker's verdict on it."""
    confirmed, nacked = set(result.confirmed), set(result.nacked)
    returned = dict(result.returned)
    for row_id, span in spans.items():
        if row_id in confirmed:
            span.end()
        elif row_id in returned:  # expected or not, the relay's metrics and log say
            span.set("messaging.rabbitmq.returned", str(returned[row_id]))
            span.end()
        elif row_id in nacked:
            span.end("nacked by the broker")
        else:
            span.end(lost or "not confirmed")


def _aggregate(row: RowMapping) -> tuple[str, str]:
    return row["aggregate_type"], row["aggregate_id"]


def subscribed_event_types(
    service_name: str, manifests: Iterable[ServiceManifest]
) -> frozenset[str]:
    """The event types of ``service_name`` some manifest subscribes to (the bound ones)."""
    return frozenset(
        sub.event
        for manifest in manifests
        for sub in manifest.subscriptions
        if sub.source == service_name
    )


def relay_options(
    engine: Engine, service_name: str, settings: Any, manifests: Iterable[ServiceManifest]
) -> dict[str, Any]:
    """The OutboxRelay keywords a relay process takes from its settings and the manifests:
    quarantine limit, subscribed event types, retention."""
    from crm_chassis.retention import Pruner

    return {
        "max_attempts": settings.outbox_max_attempts,
        "subscribed_events": subscribed_event_types(service_name, manifests),
        "pruner": Pruner.from_settings(engine, service_name, settings),
    }


def register_health_checks(relay: OutboxRelay) -> None:
    """/healthz of the relay's metrics endpoint: database and broker reachable lately."""
    from crm_chassis.metrics import register_health_check

    register_health_check("database", lambda: relay.health["database"])
    register_health_check("broker", lambda: relay.health["broker"])
