"""Dead-letter depth as a metric: ``dead_letter_queue_messages{queue}`` via passive declares."""
from __future__ import annotations

import logging
import time
from typing import Iterable

import pika
import pika.exceptions

from crm_chassis.messaging import metrics
from crm_chassis.messaging.topology import dead_letter_queue, queue_depths

log = logging.getLogger(__name__)


class DeadLetterMonitor:
    """Periodically reads the depth of the dead-letter queues of the given handler queues."""

    def __init__(self, amqp_url: str, queues: Iterable[str], interval_seconds: float = 15.0):
        self._params = pika.URLParameters(amqp_url)
        self._dlqs = [dead_letter_queue(q) for q in queues]
        self._interval = interval_seconds

    def update_once(self) -> dict[str, int | None]:
        if not self._dlqs:
            return {}
        connection = pika.BlockingConnection(self._params)
        try:
            state = {"channel": None}

            def channel():
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
