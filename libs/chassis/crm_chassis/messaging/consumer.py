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
"""
from __future__ import annotations

import logging

import eventlet
from eventlet.event import Event
from nameko.messaging import QueueConsumer, QueueConsumerStopped

log = logging.getLogger(__name__)


class StoppableQueueConsumer(QueueConsumer):
    #: Longest wait for the consume loop to cancel one handler's AMQP consumer.
    cancel_timeout_seconds = 3.0
    #: Longest wait for the consume loop to end once every handler has left.
    loop_exit_timeout_seconds = 3.0

    def unregister_provider(self, provider) -> None:
        if provider not in self._providers:
            return
        if self._consumers_ready.ready():
            removed = Event()
            self._pending_remove_providers[provider] = removed
            with eventlet.Timeout(self.cancel_timeout_seconds, False):
                removed.wait()
            if not removed.ready():
                log.warning("the consumer of %s was not cancelled within %.0fs (broker "
                            "connection down?); stopping the consume loop",
                            getattr(provider, "queue", provider), self.cancel_timeout_seconds)
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
            if not removed.ready():
                removed.send()

    def stop(self) -> None:
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
            log.warning("the consume loop did not end within %.0fs; killing it",
                        self.loop_exit_timeout_seconds)
            self.should_stop = True
            self._gt.kill()
        except BaseException:  # noqa: BLE001 - its end is reported by _handle_thread_exited
            pass
        log.debug("stopped %s", self)

    def _handle_thread_exited(self, gt) -> None:
        failure = None
        try:
            gt.wait()
        except Exception as exc:  # noqa: BLE001 - handed to start(), which reports it
            failure = exc
        except BaseException:  # noqa: BLE001 - killed (GreenletExit): stopped
            pass
        if not self._consumers_ready.ready():
            self._consumers_ready.send_exception(failure or QueueConsumerStopped())
