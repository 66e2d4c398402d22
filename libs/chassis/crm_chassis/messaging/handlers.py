"""Idempotent nameko event handlers: decode, dedupe through the inbox, handle, commit — once.

    class LeadsWorker:
        name = "leads"
        deps = ServiceDependencies(settings.load, wiring.build_dependencies)

        @idempotent_event_handler("identity", "user_created", UserCreated)
        def on_user_created(self, event, uow):
            ...   # change state through uow's repositories; the wrapper commits

Per delivery the wrapper binds a RequestContext from ``event.meta`` (actor, traceparent, request
id), opens a fresh unit of work from the service's ``uow`` dependency (or, without one, from
``deps.uow``), and in ONE transaction
inserts the inbox row (consumer ``<service>.<method>``, event id), runs the handler and commits.
An event id already in the inbox is skipped (a redelivery, or a concurrent duplicate that hits
the inbox primary key): the effect happens exactly once.

Order: a worker handles up to its prefetch (max_workers) deliveries at once, but a delivery
waits for the previous delivery of the same aggregate, so one worker process applies each
aggregate's events in queue (= outbox id) order. Replicas of a worker compete for the queue and
may interleave; consumers that care check ``meta.aggregate_version``.

Failures: a body that is not a valid event is poison and is rejected without requeue at once
(dead-lettered, no retries). A handler failing on the infrastructure (database unreachable,
serialization failure, deadlock, lock timeout, broker connection: ``retry.is_transient``) keeps
its delivery and runs again after a jittered exponential backoff, for as long as it takes,
without counting a delivery; the deliveries held fill the prefetch, so the worker takes nothing
new until the infrastructure answers. Any other failure is the event's own: the delivery is
requeued, and on its ``event_max_deliveries``-th delivery (quorum queues count them in
``x-delivery-count``) rejected into the dead-letter queue instead. The queue's
``x-delivery-limit`` enforces the same bound if the worker dies mid-delivery. A stopping worker
returns the deliveries it holds for a retry to the queue.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

import eventlet
from eventlet.event import Event
from google.protobuf.message import Message
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError

from crm_chassis import context, events, tracing
from crm_chassis.db import utcnow
from crm_chassis.messaging import metrics, provenance, retry
from crm_chassis.messaging.consumer import StoppableQueueConsumer, settle
from crm_chassis.messaging.topology import queue_arguments
from crm_chassis.outbox.tables import inbox_table
from crm_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

MAX_DELIVERIES_CONFIG_KEY = "CRM_EVENT_MAX_DELIVERIES"
DELIVERY_COUNT_HEADER = "x-delivery-count"

# A Table object for SQL only: the inbox is the same table in every service's database.
_INBOX = inbox_table(MetaData())


class PoisonTolerantQueueConsumer(StoppableQueueConsumer):
    """nameko's queue consumer, except that a body kombu cannot decode (not JSON) is rejected
    into the dead-letter queue instead of raising out of the consume loop (which would kill the
    consumer and redeliver the same body forever)."""

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = functools.partial(self._on_decode_error, provider)
        return consumers

    @staticmethod
    def _on_decode_error(provider: Any, message: Any, exc: Exception) -> None:
        metrics.DEAD_LETTERED.labels(provider.consumer, provider.event_type).inc()
        log.error(
            "undecodable message on %s dead-lettered without retry: %s", provider.queue.name, exc
        )
        provider.reject_to_dead_letters(message)


class IdempotentEventHandler(EventHandler):  # type: ignore[misc]  # nameko is untyped
    """nameko's SERVICE_POOL event handler on a quorum queue with bounded retries."""

    queue_consumer = PoisonTolerantQueueConsumer()

    def __init__(
        self,
        source_service: str,
        event_type: str,
        message_cls: type[Message],
        function_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            source_service,
            event_type,
            handler_type=SERVICE_POOL,
            reliable_delivery=True,
            requeue_on_error=True,
            **kwargs,
        )
        self.message_cls = message_cls
        self.function_name = function_name
        self.max_deliveries = 0
        self._in_flight: dict[tuple[str, str], Event] = {}
        # key -> (timer, messages, on_abandon)
        self._retrying: dict[object, tuple[Any, list[Any], Callable[[], None]]] = {}
        self._stopping = False

    @property
    def consumer(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self) -> None:
        if self.function_name and self.function_name != self.method_name:
            raise TypeError(
                f"idempotent handler {self.function_name!r} is bound as {self.method_name!r}: "
                "the inbox consumer name must be the method name; define it under its own name"
            )
        configured = self.container.config.get(MAX_DELIVERIES_CONFIG_KEY)
        self.max_deliveries = int(
            configured
            if configured is not None
            else ServiceSettings.load(self.container.service_name).event_max_deliveries
        )
        super().setup()  # builds self.queue with nameko's name, exchange and binding
        # Same arguments as the topology's declaration, or RabbitMQ answers 406.
        self.queue.queue_arguments = queue_arguments(self.queue.name, self.max_deliveries)
        # The topology step declares the source's exchange; this service may only read it.
        self.queue.exchange.no_declare = True

    # Called in its own greenthread for each delivery, in the queue's order.
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
        # Per-aggregate order: up to prefetch deliveries run concurrently, but one waits for the
        # previous delivery of its aggregate. Registration happens before the first yield, so
        # the chain follows the queue's order.
        meta = event.meta  # type: ignore[attr-defined]  # every event message has meta
        key = (meta.aggregate_type, meta.aggregate_id)
        previous, done = self._in_flight.get(key), Event()
        self._in_flight[key] = done

        def finished() -> None:
            done.send()
            if self._in_flight.get(key) is done:
                del self._in_flight[key]

        if previous is not None:
            previous.wait()
        self._run(event, message, finished, self.unpack_message_headers(message), 0)

    def _run(
        self,
        event: Message,
        message: Any,
        finished: Callable[[], None],
        context_data: dict[str, Any],
        attempt: int,
    ) -> None:
        rerun = functools.partial(self._run, event, message, finished, context_data, attempt + 1)
        try:
            self.container.spawn_worker(
                self,
                (event,),
                {},
                context_data=context_data,
                handle_result=functools.partial(
                    self._handle_result_then, finished, message, rerun, attempt
                ),
            )
        except ContainerBeingKilled:
            finished()
            self.queue_consumer.requeue_message(message)

    def _handle_result_then(
        self,
        finished: Callable[[], None],
        message: Any,
        rerun: Callable[[], None],
        attempt: int,
        worker_ctx: Any,
        result: Any = None,
        exc_info: ExcInfo | None = None,
    ) -> Any:
        if self._retry_later(exc_info, [message], rerun, attempt + 1, finished):
            return result, exc_info  # the delivery stays with this worker; the chain waits
        try:
            return self.handle_result(message, worker_ctx, result, exc_info)
        finally:
            finished()

    def _retry_later(
        self,
        exc_info: ExcInfo | None,
        messages: list[Any],
        rerun: Callable[[], None],
        attempt: int,
        on_abandon: Callable[[], None],
    ) -> bool:
        """Run ``rerun()`` again after a backoff if ``exc_info`` is a transient failure (and the
        worker is not stopping); True when scheduled. ``on_abandon()`` runs if the worker stops
        first, after the deliveries went back to the queue."""
        if exc_info is None or self._stopping or not retry.is_transient(exc_info[1]):
            return False
        delay = retry.backoff_seconds(attempt)
        metrics.TRANSIENT_RETRIES.labels(self.consumer, self.event_type).inc()
        log.warning(
            "%s: the infrastructure failed (%s: %s); %d deliver%s held, run again in "
            "%.2fs (attempt %d, not counted as a delivery)",
            self.consumer,
            exc_info[0].__name__,
            exc_info[1],
            len(messages),
            "y" if len(messages) == 1 else "ies",
            delay,
            attempt + 1,
        )
        key = object()
        held = metrics.HELD.labels(self.consumer, self.event_type)
        held.inc(len(messages))

        def fire() -> None:
            if self._retrying.pop(key, None) is not None:  # else stop() returned them
                held.dec(len(messages))
                rerun()

        def abandon() -> None:
            held.dec(len(messages))
            on_abandon()

        self._retrying[key] = (eventlet.spawn_after(delay, fire), messages, abandon)
        return True

    def stop(self) -> None:
        # Deliveries held for a retry go back to the queue, for the next worker to run.
        self._stopping = True
        held, self._retrying = self._retrying, {}
        for timer, messages, on_abandon in held.values():
            timer.cancel()
            for message in messages:
                self.queue_consumer.requeue_message(message)
            on_abandon()
        super().stop()

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: ExcInfo | None = None
    ) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        event_type = self.event_type
        if retry.is_transient(exc_info[1]):  # only while stopping: requeued, never dead-lettered
            log.warning(
                "%s: infrastructure failure while stopping; delivery returned to the "
                "queue (%s: %s)",
                self.consumer,
                exc_info[0].__name__,
                exc_info[1],
            )
            self.queue_consumer.requeue_message(message)
            return
        metrics.FAILED.labels(self.consumer, event_type).inc()
        delivery = int((message.headers or {}).get(DELIVERY_COUNT_HEADER, 0) or 0) + 1
        if delivery >= self.max_deliveries:
            metrics.DEAD_LETTERED.labels(self.consumer, event_type).inc()
            log.error(
                "%s failed on delivery %d of %d: dead-lettered (%s: %s)",
                self.consumer,
                delivery,
                self.max_deliveries,
                exc_info[0].__name__,
                exc_info[1],
            )
            self.reject_to_dead_letters(message)
        else:
            log.warning(
                "%s failed on delivery %d of %d, will retry (%s: %s)",
                self.consumer,
                delivery,
                self.max_deliveries,
                exc_info[0].__name__,
                exc_info[1],
            )
            self.queue_consumer.requeue_message(message)

    def reject_to_dead_letters(self, message: Any) -> None:
        # Reject without requeue: the queue's dead-letter exchange routes it to <queue>.dlq.
        settle(functools.partial(message.reject, requeue=False), message)


def idempotent_event_handler(
    source_service: str,
    event_type: str,
    message_cls: type[Message],
    *,
    uow_attribute: str = "uow",
) -> Callable[[Callable[..., None]], Callable[..., bool]]:
    """Decorate ``method(self, event_message, uow)`` as an exactly-once-effect event handler."""

    def decorate(function: Callable[..., None]) -> Callable[..., bool]:
        @functools.wraps(function)
        def entry(self: Any, event: Message) -> bool:
            consumer = f"{type(self).name}.{function.__name__}"
            return handle_once(
                consumer,
                event,
                unit_of_work_factory(self, uow_attribute),
                functools.partial(function, self),
            )

        decorated: Callable[..., bool] = IdempotentEventHandler.decorator(
            source_service, event_type, message_cls, function_name=function.__name__
        )(entry)
        return decorated

    return decorate


def unit_of_work_factory(worker: Any, uow_attribute: str = "uow") -> Callable[[], Any]:
    """What opens a handler's unit of work: the worker's ``uow`` dependency, or else the
    ``uow`` of its ``deps`` (``crm_chassis.entrypoints.worker.ServiceDependencies``)."""
    make_uow = getattr(worker, uow_attribute, None)
    if make_uow is None:
        deps = getattr(worker, "deps", None)
        make_uow = getattr(deps, "uow", None)
    if make_uow is None:
        raise TypeError(
            f"{type(worker).__name__} has neither a `{uow_attribute}` dependency nor "
            "a `deps` dependency (ServiceDependencies) to open a unit of work from"
        )
    return make_uow  # type: ignore[no-any-return]


def handle_once(
    consumer: str,
    event: Message,
    make_uow: Callable[[], Any],
    handler: Callable[[Message, Any], None],
) -> bool:
    """Run ``handler(event, uow)`` unless ``consumer`` has handled this event id already.

    Returns True when the handler ran and committed, False for a duplicate.
    """
    meta = event.meta  # type: ignore[attr-defined]  # every event message has meta
    labels = (consumer, meta.event_type)
    occurred_at = meta.occurred_at.ToNanoseconds() / 1e9 if meta.HasField("occurred_at") else 0
    if occurred_at:
        metrics.LAG_SECONDS.labels(*labels).observe(max(0.0, time.time() - occurred_at))
    # A span of the consumer's own, a child of the event's create span (the producer's): its
    # id is new even when no span is recorded, so the consumer's calls and events descend from
    # the consumer, not from the producer's span.
    span = (
        tracing.start(
            f"{meta.event_type} process",
            tracing.CONSUMER,
            parent=meta.trace.traceparent,
            attributes={
                "messaging.consumer.group.name": consumer,
                "messaging.message.id": meta.event_id,
            },
        )
        if tracing.enabled()
        else None
    )
    traceparent = (
        span.traceparent if span is not None else tracing.child_traceparent(meta.trace.traceparent)
    )
    token = context.bind(
        context.RequestContext(
            request_id=meta.trace.request_id or uuid.uuid4().hex,
            trace_id=context.trace_id_of(traceparent),
            traceparent=traceparent,
            actor=events.actor_from_proto(meta.actor),
        )
    )
    started = time.perf_counter()
    error = ""
    try:
        with make_uow() as uow:
            session = uow.session
            seen = session.execute(
                select(_INBOX.c.event_id).where(
                    _INBOX.c.consumer == consumer, _INBOX.c.event_id == meta.event_id
                )
            ).first()
            if seen is None:
                try:
                    # Before the handler: a concurrent duplicate waits on this key, then fails.
                    session.execute(
                        insert(_INBOX).values(
                            consumer=consumer,
                            event_id=meta.event_id,
                            event_type=meta.event_type,
                            processed_at=utcnow(),
                        )
                    )
                except IntegrityError:
                    seen = True
            if seen is not None:
                metrics.DUPLICATES.labels(*labels).inc()
                log.info("%s: event %s already handled; skipped", consumer, meta.event_id)
                return False
            handler(event, uow)
            uow.commit()
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        raise
    finally:
        context.reset(token)
        if span is not None:
            span.end(error)
    metrics.CONSUMED.labels(*labels).inc()
    metrics.HANDLING_SECONDS.labels(*labels).observe(time.perf_counter() - started)
    return True


def idempotent_handlers(service_cls: type) -> list[tuple[str, IdempotentEventHandler]]:
    """(method name, entrypoint) of every idempotent event handler of a nameko service class."""
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    found: list[tuple[str, IdempotentEventHandler]] = []
    for attribute in dir(service_cls):
        method = getattr(service_cls, attribute, None)
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, IdempotentEventHandler):
                found.append((attribute, entrypoint))
    return sorted(found, key=lambda pair: pair[0])
