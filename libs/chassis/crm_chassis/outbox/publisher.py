"""Publishes batches of outbox rows to RabbitMQ with pipelined publisher confirms.

pika's BlockingConnection waits for each confirm in turn (~1.5k msgs/s here); this wrapper drives
a SelectConnection's ioloop synchronously instead: publish the whole batch, then run the loop
until the broker has acked or nacked every delivery tag (``multiple=True`` acks cover several).
Messages are published ``mandatory``: one that no queue is bound for comes back as Basic.Return
*before* its ack, so it is classified as returned, not confirmed.

Every message carries the AMQP ``user_id`` property: the connection's user name. RabbitMQ refuses
a publish whose ``user_id`` is not the authenticated user, so consumers can tell which service
published an event (:mod:`crm_chassis.messaging.provenance`).

Between batches the caller runs :meth:`ConfirmingPublisher.idle` instead of sleeping, so the
ioloop answers heartbeats and an idle relay is not disconnected by the broker.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pika
from pika.adapters.select_connection import SelectConnection
from pika.spec import Basic, BasicProperties

from crm_chassis.events import CONTENT_TYPE

if TYPE_CHECKING:
    from crm_chassis.outbox.wakeup import OutboxWakeup

log = logging.getLogger(__name__)

PERSISTENT = 2


class PublisherConnectionError(RuntimeError):
    """The connection or channel is gone (or never came up); reconnect and publish again."""


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to publish; ``id`` is the caller's handle (the outbox row id)."""

    id: Hashable
    exchange: str
    routing_key: str
    body: bytes | str
    event_id: str
    headers: dict[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime | None = None


@dataclass
class BatchResult:
    confirmed: list[Hashable] = field(default_factory=list)
    returned: list[tuple[Hashable, str]] = field(default_factory=list)  # [(id, reason)]
    nacked: list[Hashable] = field(default_factory=list)


class ConfirmingPublisher:
    """A confirm-mode publisher on one SelectConnection, used from one thread."""

    def __init__(
        self,
        amqp_url: str,
        app_id: str,
        *,
        confirm_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        heartbeat: int = 30,
    ) -> None:
        self._params = pika.URLParameters(amqp_url)
        self._params.heartbeat = heartbeat
        self._params.blocked_connection_timeout = confirm_timeout
        self._params.socket_timeout = connect_timeout
        self._app_id = app_id
        self.user_id = self._params.credentials.username  # what RabbitMQ authenticates
        self._confirm_timeout = confirm_timeout
        self._connect_timeout = connect_timeout
        self._connection: SelectConnection | None = None
        self._channel: Any = None
        self._failure: str | None = None
        self._wake: Callable[[], bool] | None = None
        # Per batch: delivery tag -> message id, returned message ids, outcomes.
        self._next_tag = 1
        self._outstanding: dict[int, Hashable] = {}
        self._returned: dict[str | None, str] = {}  # event_id -> reason
        self._result = BatchResult()
        self._event_ids: dict[Hashable, str] = {}

    # ------------------------------------------------------------------ connection
    @property
    def is_connected(self) -> bool:
        return (
            self._connection is not None
            and self._connection.is_open
            and self._channel is not None
            and self._channel.is_open
            and not self._failure
        )

    def connect(self) -> None:
        """Open the connection and a confirm-mode channel, or raise PublisherConnectionError."""
        self.close()
        self._failure = None
        ready = {"confirm": False}

        def on_open(connection: Any) -> None:
            connection.channel(on_open_callback=on_channel)

        def on_channel(channel: Any) -> None:
            self._channel = channel
            channel.add_on_close_callback(self._on_channel_closed)
            channel.add_on_return_callback(self._on_return)
            channel.confirm_delivery(self._on_confirm, callback=on_confirm_ok)

        def on_confirm_ok(_frame: Any) -> None:
            ready["confirm"] = True
            self._stop_if_done()

        self._next_tag = 1
        self._connection = SelectConnection(
            self._params,
            on_open_callback=on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_connection_closed,
        )
        self._run_until(lambda: ready["confirm"], self._connect_timeout, "connect")

    def close(self) -> None:
        """Close the connection (politely if it is still open) and release its ioloop."""
        connection = self._connection
        if connection is None:
            return
        try:
            if not (connection.is_closed or connection.is_closing):
                connection.close()
            if not connection.is_closed:
                self._run_until(
                    lambda: connection.is_closed,
                    2.0,
                    "close",
                    raise_on_failure=False,
                    timeout_is_error=False,
                )
        except Exception:  # closing a broken connection: nothing left to save
            log.debug("error while closing the publisher connection", exc_info=True)
        finally:
            self._connection = None
            self._channel = None
            self._outstanding = {}
            try:
                connection.ioloop.close()
            except Exception:
                log.debug("error while closing the publisher ioloop", exc_info=True)

    # ------------------------------------------------------------------ publishing
    def publish_batch(self, messages: Sequence[OutgoingMessage]) -> BatchResult:
        """Publish every message and wait for the broker's verdict on each."""
        if not messages:
            return BatchResult()
        if not self.is_connected:
            self.connect()
        self._outstanding = {}
        self._returned = {}
        self._event_ids = {}
        self._result = BatchResult()
        now = int(time.time())
        try:
            for message in messages:
                properties = BasicProperties(
                    content_type=CONTENT_TYPE,
                    delivery_mode=PERSISTENT,
                    headers=message.headers or None,
                    message_id=message.event_id,
                    type=message.routing_key,
                    app_id=self._app_id,
                    user_id=self.user_id,
                    timestamp=int(message.occurred_at.timestamp()) if message.occurred_at else now,
                )
                body = message.body.encode() if isinstance(message.body, str) else message.body
                self._channel.basic_publish(
                    message.exchange,
                    message.routing_key,
                    body,
                    properties=properties,
                    mandatory=True,
                )
                self._outstanding[self._next_tag] = message.id
                self._event_ids[message.id] = message.event_id
                self._next_tag += 1
        except Exception as exc:  # pika raises on a closed channel/connection mid-batch
            self._fail(f"publish failed: {exc!r}")
            raise PublisherConnectionError(self._failure) from exc
        self._run_until(lambda: not self._outstanding, self._confirm_timeout, "confirms")
        return self._result

    def idle(self, seconds: float, wakeup: OutboxWakeup | None = None) -> None:
        """Wait ``seconds`` while serving the connection (heartbeats, close notices), or less:
        until ``wakeup`` (an :class:`~crm_chassis.outbox.wakeup.OutboxWakeup`) is notified.

        Never raises: a connection lost while idle is dropped, and the next publish reconnects.
        """
        if not self.is_connected:
            if self._connection is not None:
                self._drop()
            if wakeup is None or wakeup.fileno() is None:
                time.sleep(seconds)
            else:
                wakeup.wait(seconds)
            return
        fd = wakeup.fileno() if wakeup is not None else None
        woken = [False]
        if fd is not None and wakeup is not None and self._connection is not None:
            ioloop = self._connection.ioloop

            def on_readable(_fd: int, _events: int) -> None:
                if wakeup.drain():
                    woken[0] = True
                    ioloop.stop()

            ioloop.add_handler(fd, on_readable, ioloop.READ)
        try:
            self._run_until(
                lambda: woken[0], seconds, "idle", raise_on_failure=False, timeout_is_error=False
            )
        finally:
            if fd is not None and self._connection is not None:
                self._connection.ioloop.remove_handler(fd)
        if self._failure:
            log.warning("publisher connection lost while idle: %s", self._failure)
            self._drop()

    # ------------------------------------------------------------------ callbacks
    def _on_return(
        self, _channel: Any, method: Any, properties: BasicProperties, _body: bytes
    ) -> None:
        reason = f"returned by broker: {method.reply_code} {method.reply_text}"
        self._returned[properties.message_id] = reason

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if method.multiple:
            tags = [tag for tag in self._outstanding if tag <= method.delivery_tag]
        else:
            tags = [method.delivery_tag] if method.delivery_tag in self._outstanding else []
        nacked = isinstance(method, Basic.Nack)
        for tag in sorted(tags):
            message_id = self._outstanding.pop(tag)
            reason = self._returned.get(self._event_ids.get(message_id))
            if reason is not None:
                self._result.returned.append((message_id, reason))
            elif nacked:
                self._result.nacked.append(message_id)
            else:
                self._result.confirmed.append(message_id)
        self._stop_if_done()

    def _on_open_error(self, _connection: Any, error: object) -> None:
        self._fail(f"cannot connect to the broker: {error!r}")

    def _on_connection_closed(self, _connection: Any, reason: object) -> None:
        self._fail(f"broker connection closed: {reason!r}")

    def _on_channel_closed(self, _channel: Any, reason: object) -> None:
        self._fail(f"broker channel closed: {reason!r}")
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def _fail(self, reason: str) -> None:
        if self._failure is None:
            self._failure = reason
        self._stop_if_done(force=True)

    # ------------------------------------------------------------------ the loop
    def _stop_if_done(self, force: bool = False) -> None:
        if self._connection is not None and (force or (self._wake is not None and self._wake())):
            self._connection.ioloop.stop()

    def _run_until(
        self,
        done: Callable[[], bool],
        timeout: float,
        what: str,
        *,
        raise_on_failure: bool = True,
        timeout_is_error: bool = True,
    ) -> None:
        connection = self._connection
        if connection is None:
            raise PublisherConnectionError("not connected")
        if not done() and not (self._failure and raise_on_failure):
            timer = connection.ioloop.call_later(timeout, connection.ioloop.stop)
            self._wake = done
            try:
                connection.ioloop.start()
            finally:
                self._wake = None
                connection.ioloop.remove_timeout(timer)
        if self._failure and raise_on_failure:
            failure = self._failure
            self._drop()
            raise PublisherConnectionError(failure)
        if not done() and timeout_is_error and raise_on_failure:
            self._drop()
            raise PublisherConnectionError(f"no {what} from the broker within {timeout:.0f}s")

    def _drop(self) -> None:
        """Forget a broken connection: the next publish reconnects (unconfirmed rows retry)."""
        self.close()


def message_from_row(row: Any) -> OutgoingMessage:
    """An :class:`OutgoingMessage` from an outbox row (a mapping with the outbox columns)."""
    return OutgoingMessage(
        id=row["id"],
        exchange=row["exchange"],
        routing_key=row["event_type"],
        body=row["payload"],
        event_id=row["event_id"],
        headers=json.loads(row["headers"]) if row["headers"] else {},
        occurred_at=row["occurred_at"],
    )
