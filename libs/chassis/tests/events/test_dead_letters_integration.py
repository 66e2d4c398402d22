"""Poison messages and failing handlers end in the dead-letter queue, with bounded retries."""

from __future__ import annotations

import json

import pika
import pytest

from crm_chassis.messaging.topology import dead_letter_queue
from crm_testkit import AMQP_URL, amqp_channel
from crm_testkit.messaging import pika_user

pytestmark = pytest.mark.integration

# As the bed's relay publishes: its broker user stamped (the consumer refuses anything else).
JSON = pika.BasicProperties(
    content_type="application/json", delivery_mode=2, user_id=pika_user(AMQP_URL)
)


def test_poison_messages_are_dead_lettered_at_once_and_good_ones_still_flow(bed):
    bed.declare()
    connection, channel = amqp_channel()
    try:
        # Valid JSON but not an event (no meta.event_id); not JSON at all; wrong field types.
        for body in (json.dumps({"name": "x"}), "not json {", json.dumps({"meta": "nope"})):
            channel.basic_publish("", bed.queue, body.encode(), JSON)
    finally:
        connection.close()
    bed.start_worker()
    dlq = dead_letter_queue(bed.queue)
    bed.wait_for(lambda: bed.queue_depth(dlq) == 3, 30, "3 poison messages in the DLQ")
    bed.start_relay()
    bed.write_events(5)
    bed.wait_rows("received", 5)
    assert bed.queue_depth(dlq) == 3 and bed.queue_depth(bed.queue) == 0
    assert bed.count("attempts") == 0  # the handler never saw a poison message
    assert bed.metric("events_dead_lettered_total") == 3
    assert f'dead_letter_queue_messages{{queue="{dlq}"}}' in bed.metrics_text()


def test_a_handler_that_always_fails_is_dead_lettered_after_max_deliveries(bed):
    bed.start_worker()
    bed.start_relay()
    [failing] = bed.write_events(1, name="always-fail")
    ids = bed.write_events(3)
    dlq = dead_letter_queue(bed.queue)
    bed.wait_for(lambda: bed.queue_depth(dlq) == 1, 30, "the failing event in the DLQ")
    bed.wait_rows("received", 3)
    attempts = bed.rows("attempts")
    assert [a["event_id"] for a in attempts] == [failing] * bed.max_deliveries
    assert bed.queue_depth(bed.queue) == 0
    assert sorted(r["event_id"] for r in bed.received()) == sorted(ids)
    connection, channel = amqp_channel()
    try:
        # The DLQ keeps the original body, so it can be replayed once the handler is fixed.
        method, properties, body = channel.basic_get(dlq, auto_ack=False)
        assert json.loads(body)["meta"]["event_id"] == failing
        assert properties.headers["x-first-death-queue"] == bed.queue
        channel.basic_nack(method.delivery_tag, requeue=True)
    finally:
        connection.close()
    assert bed.metric("events_dead_lettered_total") == 1
    assert bed.metric("events_failed_total") == bed.max_deliveries
