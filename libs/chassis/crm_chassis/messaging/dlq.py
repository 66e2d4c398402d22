"""Dead-letter queues: their depth as a metric (``dead_letter_queue_messages{queue}``, via
passive declares) and, for ``crmctl dlq``, reading and replaying what they hold."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions

from crm_chassis.messaging import metrics
from crm_chassis.messaging.topology import dead_letter_queue, queue_depths

log = logging.getLogger(__name__)


class DeadLetterMonitor:
    """Periodically reads the depth of the dead-letter queues of the given handler queues."""

    def __init__(
        self, amqp_url: str, queues: Iterable[str], interval_seconds: float = 15.0
    ) -> None:
        self._params = pika.URLParameters(amqp_url)
        self._dlqs = [dead_letter_queue(q) for q in queues]
        self._interval = interval_seconds

    def update_once(self) -> dict[str, int | None]:
        if not self._dlqs:
            return {}
        connection = pika.BlockingConnection(self._params)
        try:
            state: dict[str, Any] = {"channel": None}

            def channel() -> Any:
                if state["channel"] is None or not state["channel"].is_open:
                    state["channel"] = connection.channel()
                return state["channel"]

            depths = queue_depths(channel, self._dlqs)
        finally:
            try:
                connection.close()
            except pika.exceptions.AMQPError:
                pass
        for queue, depth in depths.items():
            if depth is not None:
                metrics.DEAD_LETTER_DEPTH.labels(queue).set(depth)
        return depths

    def run_forever(self) -> None:
        while True:
            try:
                self.update_once()
            except pika.exceptions.AMQPError as exc:
                log.warning("dead-letter depth not read (%r)", exc)
            time.sleep(self._interval)


# ---------------------------------------------------------------------- reading and replaying
#: Headers of a dead-lettered copy that must not travel with a replay: the death records, and
#: the quorum queue's delivery count (a replay starts with a fresh count of deliveries).
_DEATH_HEADERS = (
    "x-death",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-first-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-last-death-exchange",
    "x-delivery-count",
)
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class DeadLetter:
    """One message of a dead-letter queue, as read without removing it."""

    position: int  # 1 = the oldest
    event_id: str  # "" when the body is not an event
    event_type: str
    aggregate: str  # "<type>/<id>"
    queue: str  # the queue it died in
    reason: str  # rejected (poison or deliveries exhausted), delivery_limit, expired
    deaths: int
    body: bytes

    def as_row(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "aggregate": self.aggregate,
            "queue": self.queue,
            "reason": self.reason,
            "deaths": self.deaths,
            "body": self.body.decode("utf-8", "replace"),
        }


def handler_queue_of(dead_letter_queue_name: str) -> str:
    if not dead_letter_queue_name.endswith(DLQ_SUFFIX):
        raise ValueError(
            f"{dead_letter_queue_name!r} is not a dead-letter queue (<handler queue>{DLQ_SUFFIX})"
        )
    return dead_letter_queue_name[: -len(DLQ_SUFFIX)]


def _describe(position: int, properties: Any, body: bytes, dlq: str) -> DeadLetter:
    import json

    headers = dict(properties.headers or {})
    deaths = headers.get("x-death") or []
    first = deaths[-1] if deaths else {}
    event_id = event_type = aggregate = ""
    try:
        meta = json.loads(body).get("meta") or {}
        if isinstance(meta, dict):
            event_id, event_type = str(meta.get("event_id", "")), str(meta.get("event_type", ""))
            if meta.get("aggregate_id"):
                aggregate = f"{meta.get('aggregate_type', '')}/{meta['aggregate_id']}"
    except (ValueError, AttributeError):
        pass
    queue = headers.get("x-first-death-queue") or first.get("queue") or handler_queue_of(dlq)
    reason = headers.get("x-first-death-reason") or first.get("reason") or ""
    return DeadLetter(
        position,
        event_id,
        event_type,
        aggregate,
        queue.decode() if isinstance(queue, bytes) else str(queue),
        reason.decode() if isinstance(reason, bytes) else str(reason),
        int(sum(int(d.get("count", 1)) for d in deaths) or 1),
        body,
    )


class DeadLetters:
    """Reads and replays one broker's dead-letter queues (``crmctl dlq``).

    Reading takes each message without acknowledging it and gives every one back when done
    (closing the channel), so the queue keeps its content and order. A replay publishes the
    chosen messages to the queue they died in (default exchange, that consumer only, publisher
    confirms on), and only once the broker confirmed removes them from the dead-letter queue: an
    interrupted replay leaves a message in both places at worst, and the consumer's inbox skips
    the second copy.
    """

    def __init__(self, amqp_url: str) -> None:
        self._connection = pika.BlockingConnection(pika.URLParameters(amqp_url))

    def close(self) -> None:
        try:
            self._connection.close()
        except pika.exceptions.AMQPError:
            pass

    def __enter__(self) -> DeadLetters:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def depths(self, dlqs: Iterable[str]) -> dict[str, int | None]:
        return queue_depths(self._connection.channel, list(dlqs))

    def read(self, dlq: str, limit: int | None = None) -> list[DeadLetter]:
        found: list[DeadLetter] = []
        for position, (_, properties, body) in enumerate(self._take(dlq, limit), start=1):
            found.append(_describe(position, properties, body, dlq))
        return found

    def replay(
        self,
        dlq: str,
        select: Callable[[DeadLetter], bool] = lambda letter: True,
    ) -> list[DeadLetter]:
        """Move the messages ``select(letter)`` accepts back to their queue; returns them."""
        channel = self._connection.channel()
        channel.confirm_delivery()
        replayed = []
        try:
            depth = channel.queue_declare(queue=dlq, passive=True).method.message_count
            for position in range(1, depth + 1):
                method, properties, body = channel.basic_get(dlq, auto_ack=False)
                if method is None:
                    break
                letter = _describe(position, properties, body, dlq)
                if not select(letter):
                    continue  # stays unacknowledged: back in place when the channel closes
                headers = {
                    k: v for k, v in (properties.headers or {}).items() if k not in _DEATH_HEADERS
                }
                channel.basic_publish(
                    "",
                    letter.queue,
                    body,
                    pika.BasicProperties(
                        content_type=properties.content_type,
                        content_encoding=properties.content_encoding,
                        headers=headers,
                        delivery_mode=2,
                        message_id=properties.message_id,
                        # the producer's broker user: consumers accept an event only with it, and
                        # RabbitMQ lets this connection send it only if its user is an impersonator
                        user_id=properties.user_id,
                        correlation_id=properties.correlation_id,
                    ),
                    mandatory=True,
                )
                channel.basic_ack(method.delivery_tag)  # after the broker confirmed the copy
                replayed.append(letter)
        finally:
            if channel.is_open:
                channel.close()
        return replayed

    def _take(self, dlq: str, limit: int | None) -> Iterator[tuple[Any, Any, bytes]]:
        channel = self._connection.channel()
        try:
            depth = channel.queue_declare(queue=dlq, passive=True).method.message_count
            for _ in range(depth if limit is None else min(depth, limit)):
                method, properties, body = channel.basic_get(dlq, auto_ack=False)
                if method is None:
                    break
                yield method, properties, body
        finally:
            if channel.is_open:
                channel.close()  # every message taken goes back, in its place
