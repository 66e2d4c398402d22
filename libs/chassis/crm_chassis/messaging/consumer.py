"""nameko's queue consumer with its stop races closed, so a worker always stops on SIGTERM.

nameko 2.14's ``QueueConsumer`` hangs or raises on stop in three interleavings, all seen with
several handlers sharing one consumer (a service's worker) and a SIGTERM close to start-up or
under load:

- Every handler unregistering before the consumer is ready (start-up not finished) calls
  ``_last_provider_unregistered.send()``; the second one raises "Trying to re-send() an
  already-triggered event", which fails the container's stop: the process never exits.
- A handler that unregistered before the consumer was ready stays in ``_providers``; if the
  consumer then becomes ready, its AMQP consumer is never cancelled and the consume loop (which
  ends only when no consumer is left) runs forever: ``stop()`` waits on it forever.
- A handler unregistering while the broker connection is down waits forever for the consume
  loop to cancel its consumer.

Here a provider leaving before the consumer is ready is dropped at once (a consumer set up later
leaves it out, one set up meanwhile is cancelled on the next loop iteration), the last one out
signals exactly once, and each wait is bounded: past it the consume loop is told to stop, which
closes the connection and so returns every unacknowledged delivery to its queue.

It also knows whether it consumes: :attr:`StoppableQueueConsumer.consuming` is True only while
its connection is up and its AMQP consumers are set up (False before the first connection,
while the broker is unreachable, between a lost connection and the next, and once every consumer
is cancelled). Every live instance is listed by :func:`queue_consumers`, which the worker's
readiness (``crm_chassis.messaging.worker_health``) reads, and each queue it consumes is shown
by the gauge ``event_queue_consumers{queue}`` (1 while this process consumes it, else 0).

Settling a delivery (ack, requeue, reject) when the broker connection dropped under it raises the
socket's own error (``ConnectionResetError``, ``BrokenPipeError``), which nameko does not catch
(it catches only amqp's ``ConnectionError``): the container died and the worker process exited
on a broker restart. :func:`settle` treats both as "the broker took the delivery back": it will
be delivered again, and the inbox makes the second run change nothing.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import amqp.exceptions
import eventlet
from eventlet.event import Event
from nameko.messaging import QueueConsumer, QueueConsumerStopped

from crm_chassis.messaging import metrics

log = logging.getLogger(__name__)

_LIVE: weakref.WeakSet[StoppableQueueConsumer] = weakref.WeakSet()


#: What settling a delivery raises when the broker connection is gone.
CONNECTION_LOST: tuple[type[BaseException], ...] = (OSError, amqp.exceptions.ConnectionError)


def settle(action: Callable[[], object], message: Any) -> bool:
    """Run ``action`` (the delivery's ack, requeue or reject) unless the delivery's connection is
    gone; True when it was settled. A connection that drops meanwhile is logged, not raised: the
    broker has taken the delivery back and delivers it again."""
    if not message.channel.connection:
        return False
    try:
        action()
    except CONNECTION_LOST as exc:
        log.warning(
            "the broker connection dropped while settling a delivery (%s: %s); the broker "
            "delivers it again and the inbox keeps its effect single",
            type(exc).__name__,
            exc,
        )
        return False
    return True


def _bound_broker_replies(connection: Any, seconds: float) -> None:
    """Make every later wait on ``connection``'s socket (kombu's, over py-amqp) end after
    ``seconds``: py-amqp waits for a close's reply without a deadline of its own."""
    sock = getattr(
        getattr(getattr(connection, "connection", None), "transport", None), "sock", None
    )
    if sock is not None:
        try:
            sock.settimeout(seconds)
        except OSError:
            pass  # already closed: nothing left to wait for


def queue_consumers() -> list[StoppableQueueConsumer]:
    """The queue consumers of this process that are set up and not stopped."""
    return list(_LIVE)


class StoppableQueueConsumer(QueueConsumer):  # type: ignore[misc]  # nameko is untyped
    #: Longest wait for the consume loop to cancel one handler's AMQP consumer.
    cancel_timeout_seconds = 3.0
    #: Longest wait for the consume loop to end once every handler has left.
    loop_exit_timeout_seconds = 3.0
    #: Longest wait of the consume loop for the broker (kombu's default is 1 s). A stop is
    #: acted on only between two waits, and takes two (cancel the consumers, then leave): with
    #: 1 s an idle worker's stop cost up to 2 s before any broker round trip.
    poll_seconds = 0.2
    #: Longest wait for each of the broker's replies to the closing of the channel and the
    #: connection once stopping. A broker busy with many closes at once (a whole platform
    #: stopped together) answered them late enough to run the stop past its grace; unanswered,
    #: the socket is closed and the broker returns every unacknowledged delivery all the same.
    close_timeout_seconds = 1.0

    # Set by nameko's QueueConsumer.
    _providers: set[Any]
    _pending_remove_providers: dict[Any, Event]

    def __init__(self) -> None:
        super().__init__()
        self._connected = False

    def setup(self) -> None:
        super().setup()
        _LIVE.add(self)

    @property
    def connected(self) -> bool:
        """The broker connection is up and the consumers were set up on it."""
        return self._connected

    @property
    def consuming(self) -> bool:
        """Connected to the broker with at least one AMQP consumer set up."""
        return self._connected and bool(self._consumers)

    def ack_message(self, message: Any) -> None:
        settle(message.ack, message)

    def requeue_message(self, message: Any) -> None:
        settle(message.requeue, message)

    def on_consume_ready(
        self, connection: Any, channel: Any, consumers: Any, **kwargs: Any
    ) -> None:
        self._connected = True
        self._show_consumed()
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def consume(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        kwargs.setdefault("safety_interval", self.poll_seconds)
        return super().consume(*args, **kwargs)  # type: ignore[no-any-return]

    @contextmanager
    def consumer_context(self, **kwargs: Any) -> Iterator[Any]:
        # Every way out of consuming (connection lost, broker gone, stop) passes here.
        try:
            with super().consumer_context(**kwargs) as context:
                try:
                    yield context
                finally:
                    if self.should_stop:
                        _bound_broker_replies(context[0], self.close_timeout_seconds)
        finally:
            self._connected = False
            self._show_consumed()

    def _show_consumed(self) -> None:
        consumed = (
            {provider.queue.name for provider in self._consumers} if self._connected else set()
        )
        for name in {provider.queue.name for provider in self._providers} | consumed:
            metrics.QUEUE_CONSUMERS.labels(name).set(1 if name in consumed else 0)

    def handle_message(self, provider: Any, body: Any, message: Any) -> None:
        # A handler that is leaving starts nothing more: the deliveries the broker had already
        # sent (up to the prefetch) would otherwise start handlers after the SIGTERM, each
        # of which the stop waits for; left unacknowledged, they return to their queue when
        # the connection closes a moment later.
        if provider in self._pending_remove_providers or provider not in self._providers:
            return
        super().handle_message(provider, body, message)

    def unregister_provider(self, provider: Any) -> None:
        if provider not in self._providers:
            return
        if self._consumers_ready.ready():
            removed = Event()
            self._pending_remove_providers[provider] = removed
            with eventlet.Timeout(self.cancel_timeout_seconds, False):
                removed.wait()
            if not removed.ready():
                log.warning(
                    "the consumer of %s was not cancelled within %.0fs (broker "
                    "connection down?); stopping the consume loop",
                    getattr(provider, "queue", provider),
                    self.cancel_timeout_seconds,
                )
                self.should_stop = True
        # A new set, not discard(): the consume loop may be iterating the old one right now
        # (nameko's get_consumers yields while it declares each queue).
        self._providers = self._providers - {provider}
        if not self._providers and not self._last_provider_unregistered.ready():
            self._last_provider_unregistered.send()

    def on_iteration(self) -> None:
        # Consumers of providers that left before the consumer was ready are cancelled too.
        for provider in list(self._consumers):
            if provider not in self._providers and provider not in self._pending_remove_providers:
                self._pending_remove_providers[provider] = Event()
        super().on_iteration()

    def _cancel_consumers_if_requested(self) -> None:
        requested, self._pending_remove_providers = self._pending_remove_providers, {}
        for provider, removed in requested.items():
            consumer = self._consumers.pop(provider, None)
            if consumer is not None:
                consumer.cancel()
                metrics.QUEUE_CONSUMERS.labels(provider.queue.name).set(0)
            if not removed.ready():
                removed.send()

    def stop(self) -> None:
        _LIVE.discard(self)
        if self._gt is None:
            return
        if not self._consumers_ready.ready():
            # Never consumed, so nothing to settle: end the connection attempts. nameko kills
            # with QueueConsumerStopped, which its container takes for a crash (exit code 1);
            # GreenletExit is an ordinary end of a managed thread.
            self._gt.kill()
        self.wait_for_providers()
        try:
            with eventlet.Timeout(self.loop_exit_timeout_seconds):
                self._gt.wait()
        except eventlet.Timeout:
            log.warning(
                "the consume loop did not end within %.0fs; killing it",
                self.loop_exit_timeout_seconds,
            )
            self.should_stop = True
            self._gt.kill()
        except BaseException:  # noqa: BLE001 - its end is reported by _handle_thread_exited
            pass
        log.debug("stopped %s", self)

    def kill(self) -> None:
        _LIVE.discard(self)
        super().kill()

    def _handle_thread_exited(self, gt: Any) -> None:
        failure = None
        try:
            gt.wait()
        except Exception as exc:  # noqa: BLE001 - handed to start(), which reports it
            failure = exc
        except BaseException:  # noqa: BLE001 - killed (GreenletExit): stopped
            pass
        if not self._consumers_ready.ready():
            self._consumers_ready.send_exception(failure or QueueConsumerStopped())
