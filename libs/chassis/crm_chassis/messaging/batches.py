"""Idempotent event handlers that take their deliveries in batches: one transaction per batch.

    @idempotent_batch_handler("leads", "lead_created", LeadCreated, max_batch=200)
    def on_lead_created(self, events, uow):
        ...   # every event of the list, in queue order; the wrapper commits once

Why: an event handled in a transaction of its own costs a commit (an fsync) per event, which
caps a worker at ~100-200 events/s here; a bulk import of 100,000 leads needs thousands per
second. A batch handler writes the batch's inbox rows, runs the handler once over the fresh
events and commits once, then acknowledges every delivery of the batch.

How deliveries become batches: the handler buffers decoded deliveries and starts a batch when
``max_batch`` are waiting, or ``max_wait_seconds`` after the first one arrived (default 0: as
soon as the consumer has handed over what the broker sent in one go), or at once when the
previous batch ends with deliveries waiting. So a lone event is not delayed, and under load
batches fill by themselves while the previous one runs. One batch runs at a time per handler, so a worker applies
events in queue order, as the one-by-one handler does per aggregate. Each batch handler has a
consumer (AMQP connection and channel) of its own whose prefetch is twice its ``max_batch`` (the
ordinary handlers keep nameko's ``max_workers``), so a successful batch is acknowledged with one
``basic.ack(multiple)``.

Failures: a body that is not a valid event is dead-lettered at once, as usual. A batch failing
on the infrastructure (``retry.is_transient``) is held and run again whole after a backoff, as
the one-by-one handler does, counting no delivery. If the batch's transaction fails otherwise,
each of its events is handled again alone (``handle_once``): one poison event cannot hold back
the others, and each failed delivery is retried or dead-lettered by its own delivery count.
Effects stay exactly-once: an event id already in the inbox is skipped, within a batch too.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import eventlet
from google.protobuf.message import Message
from nameko.exceptions import ContainerBeingKilled
from sqlalchemy import MetaData, select

from crm_chassis import context, events, tracing
from crm_chassis.bulk_insert import BulkInsert
from crm_chassis.db import utcnow
from crm_chassis.messaging import metrics, provenance, retry
from crm_chassis.messaging.consumer import settle
from crm_chassis.messaging.handlers import (
    ExcInfo,
    IdempotentEventHandler,
    PoisonTolerantQueueConsumer,
    handle_once,
    unit_of_work_factory,
)
from crm_chassis.outbox.tables import inbox_table

log = logging.getLogger(__name__)
_INBOX = inbox_table(MetaData())
_INSERT_INBOX = BulkInsert(_INBOX)
MAX_LINKS = 128  # links of a batch's span to its other events' traces


class BatchQueueConsumer(PoisonTolerantQueueConsumer):
    """A queue consumer (its own AMQP channel) whose prefetch fits the batches it feeds, and
    which hands each delivery's raw body straight to its handler.

    Why raw and straight: kombu would parse the JSON with an ``object_hook`` called per object
    (its own types' markers, which events never carry) and nameko would spawn a green thread
    per delivery only for it to be appended to the batch; together ~10 % of territory's worker
    CPU in a bulk import. The handler parses the bytes itself (:func:`crm_chassis.events.decode`,
    which dead-letters what is not a valid event) and buffering is a list append."""

    def __init__(self, key: str = "") -> None:
        super().__init__()
        self._key = key

    @property
    def sharing_key(self) -> tuple[type, str]:
        # One consumer (connection and channel) per batch handler, not one per service: a
        # channel of its own is what lets a batch be acknowledged with one multiple ack.
        return (type(self), self._key)

    @property
    def prefetch_count(self) -> int:
        sizes: list[int] = [getattr(p, "max_batch", 0) for p in self._providers]
        max_workers: int = self.container.max_workers
        return max([2 * size for size in sizes] + [max_workers])

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            # With on_message set, kombu skips decoding and the callbacks (nameko's spawn).
            consumer.on_message = functools.partial(self._on_raw_message, provider)
        return consumers

    @staticmethod
    def _on_raw_message(provider: Any, message: Any) -> None:
        provider.handle_message(message.body, message)


class BatchingEventHandler(IdempotentEventHandler):
    queue_consumer: BatchQueueConsumer  # per handler, set in __init__ (bound with it)

    def __init__(
        self,
        source_service: str,
        event_type: str,
        message_cls: type[Message],
        function_name: str = "",
        *,
        max_batch: int = 200,
        max_wait_seconds: float = 0.0,
        **kwargs: Any,
    ) -> None:
        if max_batch < 1 or max_wait_seconds < 0:
            raise ValueError("max_batch must be >= 1 and max_wait_seconds >= 0")
        super().__init__(source_service, event_type, message_cls, function_name, **kwargs)
        self.queue_consumer = BatchQueueConsumer(f"{source_service}.{event_type}")
        self.max_batch = max_batch
        self.max_wait_seconds = max_wait_seconds
        self._waiting: list[tuple[Message, object]] = []
        self._timer: Any = None  # an eventlet timer while a partial batch waits
        self._running = False

    def handle_message(self, body: Any, message: Any) -> None:
        if not provenance.admit(self, message):  # not published by the event type's owner
            return
        try:
            event = events.decode(body, self.message_cls)
        except events.EventDecodeError as exc:
            metrics.DEAD_LETTERED.labels(self.consumer, self.event_type).inc()
            log.error("poison message on %s dead-lettered without retry: %s", self.queue.name, exc)
            self.reject_to_dead_letters(message)
            return
        self._waiting.append((event, message))
        if len(self._waiting) >= self.max_batch:
            self._start_batch()
        elif self._timer is None and not self._running:
            self._timer = eventlet.spawn_after(self.max_wait_seconds, self._start_batch)

    def _start_batch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running or not self._waiting:
            return  # the running batch starts the next one when it ends
        batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
        self._running = True
        self._spawn_batch([event for event, _ in batch], [message for _, message in batch], 0)

    def _spawn_batch(self, events_: list[Message], messages: list[Any], attempt: int) -> None:
        try:
            self.container.spawn_worker(
                self,
                (events_,),
                {},
                context_data=self.unpack_message_headers(messages[0]),
                handle_result=functools.partial(self._batch_done, events_, messages, attempt),
            )
        except ContainerBeingKilled:
            self._running = False
            for message in messages:
                self.queue_consumer.requeue_message(message)

    def _batch_abandoned(self) -> None:
        self._running = False

    def _batch_done(
        self,
        events_: list[Message],
        messages: list[Any],
        attempt: int,
        worker_ctx: Any,
        result: Any = None,
        exc_info: ExcInfo | None = None,
    ) -> tuple[Any, ExcInfo | None]:
        rerun = functools.partial(self._spawn_batch, events_, messages, attempt + 1)
        if self._retry_later(exc_info, messages, rerun, attempt + 1, self._batch_abandoned):
            return result, exc_info  # still running: the next batch waits for this one
        try:
            outcomes = result if exc_info is None else [exc_info] * len(messages)
            if (
                len(self.queue_consumer._providers) == 1  # the channel is this handler's alone
                and all(outcome is None for outcome in outcomes)
                and _ack_together(messages)
            ):
                return result, exc_info
            for message, outcome in zip(messages, outcomes, strict=False):
                self.handle_message_processed(message, None, outcome)
            return result, exc_info
        finally:
            self._running = False
            if self._waiting:  # they waited through this batch: no further wait
                self._start_batch()


def _ack_together(messages: list[Any]) -> bool:
    """Acknowledge a whole successful batch with one ``basic.ack(multiple)`` of its last
    delivery instead of one frame per delivery. Sound only while the handler is the one provider
    of the batch consumer (nameko gives every consumer of a QueueConsumer one channel; two batch
    handlers would interleave their tags), which the caller checks. Then deliveries arrive in
    order, one batch runs at a time and is settled before the next starts, and poison
    deliveries are rejected as they arrive: when a batch ends, every earlier delivery tag on the
    channel is settled except this batch's. Deliveries from
    before a reconnect (another channel) are acknowledged one by one instead."""
    last = messages[-1]
    channel = last.channel
    if len(messages) < 2 or any(message.channel is not channel for message in messages):
        return False
    # A lost connection means the broker has taken them back already.
    settle(functools.partial(last.ack, multiple=True), last)
    return True


def idempotent_batch_handler(
    source_service: str,
    event_type: str,
    message_cls: type[Message],
    *,
    max_batch: int = 200,
    max_wait_seconds: float = 0.0,
    uow_attribute: str = "uow",
) -> Callable[[Callable[..., None]], Callable[..., list[Any]]]:
    """Decorate ``method(self, events, uow)`` as an exactly-once-effect batch event handler."""

    def decorate(function: Callable[..., None]) -> Callable[..., list[Any]]:
        @functools.wraps(function)
        def entry(self: Any, batch: list[Any]) -> list[Any]:
            consumer = f"{type(self).name}.{function.__name__}"
            return handle_batch(
                consumer,
                batch,
                unit_of_work_factory(self, uow_attribute),
                functools.partial(function, self),
            )

        decorated: Callable[..., list[Any]] = BatchingEventHandler.decorator(
            source_service,
            event_type,
            message_cls,
            function_name=function.__name__,
            max_batch=max_batch,
            max_wait_seconds=max_wait_seconds,
        )(entry)
        return decorated

    return decorate


def handle_batch(
    consumer: str,
    batch: list[Any],
    make_uow: Callable[[], Any],
    handler: Callable[[list[Any], Any], None],
) -> list[Any]:
    """Run ``handler(fresh_events, uow)`` once for the events ``consumer`` has not handled yet,
    in one transaction with their inbox rows. Returns one outcome per event: None when it is
    done (handled or a duplicate), else the ``exc_info`` of its failure."""
    if not batch:
        return []
    event_type = batch[0].meta.event_type
    now = time.time()
    for event in batch:
        if event.meta.HasField("occurred_at"):
            metrics.LAG_SECONDS.labels(consumer, event_type).observe(
                max(0.0, now - event.meta.occurred_at.ToNanoseconds() / 1e9)
            )
    # One consumer span a batch: a child of its first event's create span (a lone event's
    # trace goes on through it), linked to the others' (MAX_LINKS at most).
    first = batch[0].meta.trace.traceparent
    span = (
        tracing.start(
            f"{event_type} process",
            tracing.CONSUMER,
            parent=first,
            links=[event.meta.trace.traceparent for event in batch[1 : MAX_LINKS + 1]],
            attributes={
                "messaging.consumer.group.name": consumer,
                "messaging.batch.message_count": len(batch),
            },
        )
        if tracing.enabled()
        else None
    )
    traceparent = span.traceparent if span is not None else tracing.child_traceparent(first)
    token = context.bind(
        context.RequestContext(
            request_id=uuid.uuid4().hex,
            trace_id=context.trace_id_of(traceparent),
            traceparent=traceparent,
        )
    )
    started = time.perf_counter()
    error = ""
    try:
        with make_uow() as uow:
            ids = [event.meta.event_id for event in batch]
            seen = set(
                uow.session.execute(
                    select(_INBOX.c.event_id).where(
                        _INBOX.c.consumer == consumer, _INBOX.c.event_id.in_(ids)
                    )
                ).scalars()
            )
            fresh: list[Any] = []
            for event in batch:
                if event.meta.event_id not in seen:
                    seen.add(event.meta.event_id)  # the same event twice in one batch: once
                    fresh.append(event)
            if fresh:
                processed_at = utcnow()
                _INSERT_INBOX.execute(
                    uow.session,
                    [
                        {
                            "consumer": consumer,
                            "event_id": event.meta.event_id,
                            "event_type": event.meta.event_type,
                            "processed_at": processed_at,
                        }
                        for event in fresh
                    ],
                )
                handler(fresh, uow)
            uow.commit()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        if retry.is_transient(exc):
            raise  # the whole batch waits for the infrastructure, then runs again
        if len(batch) == 1:
            return [sys.exc_info()]
        log.warning(
            "%s: a batch of %d failed (%s: %s); handling its events one by one",
            consumer,
            len(batch),
            type(exc).__name__,
            exc,
        )
        return [_one(consumer, event, make_uow, handler) for event in batch]
    finally:
        context.reset(token)
        if span is not None:
            span.end(error)
    metrics.DUPLICATES.labels(consumer, event_type).inc(len(batch) - len(fresh))
    metrics.CONSUMED.labels(consumer, event_type).inc(len(fresh))
    metrics.HANDLING_SECONDS.labels(consumer, event_type).observe(
        (time.perf_counter() - started) / max(1, len(batch))
    )
    return [None] * len(batch)


def _one(
    consumer: str,
    event: Message,
    make_uow: Callable[[], Any],
    handler: Callable[[list[Any], Any], None],
) -> Any:
    try:
        handle_once(consumer, event, make_uow, lambda single, uow: handler([single], uow))
        return None
    except Exception as exc:
        if retry.is_transient(exc):
            raise  # the whole batch runs again (the inbox skips what committed meanwhile)
        return sys.exc_info()
