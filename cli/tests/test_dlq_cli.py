"""``crmctl dlq`` against a real RabbitMQ: real dead letters (rejected from a quorum queue with
the platform's arguments) are shown without being removed, replayed by event id or all, back
onto the queue they died in with a fresh delivery count, and a repeated replay changes nothing."""

from __future__ import annotations

import json
import uuid

import pika
import pytest

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import events
from crm_chassis.messaging.topology import (
    consumer_of_queue,
    dead_letter_exchange,
    dead_letter_queue,
    queue_arguments,
)
from crm_testkit import AMQP_URL, amqp_channel

pytestmark = pytest.mark.integration


def _event(seq: int) -> bytes:
    message = SomethingHappened(name="x", seq=seq)
    events.stamp(
        message,
        producer="dlqtest",
        event_type="something_happened",
        aggregate_type="thing",
        aggregate_id=f"agg-{seq}",
        aggregate_version=1,
    )
    return events.encode(message)


def _get(channel, queue):
    """basic_get, waiting for a requeued message to be back (quorum queues requeue async)."""
    from crm_testkit import wait_until

    return wait_until(
        lambda: (lambda got: got if got[0] is not None else None)(
            channel.basic_get(queue, auto_ack=False)
        ),
        10,
        message=f"nothing to get from {queue}",
    )


@pytest.fixture
def dead_letters():
    """A handler queue whose dead-letter queue holds three events and one poison body, each
    rejected by a consumer; the second event was delivered twice before dying."""
    queue = f"evt-dlqtest-something_happened--dlqtest{uuid.uuid4().hex[:8]}.on_something"
    connection, channel = amqp_channel()
    dlx = dead_letter_exchange(consumer_of_queue(queue))
    channel.exchange_declare(dlx, exchange_type="direct", durable=True)
    channel.queue_declare(dead_letter_queue(queue), durable=True)
    channel.queue_bind(dead_letter_queue(queue), dlx, routing_key=queue)
    channel.queue_declare(queue, durable=True, arguments=queue_arguments(queue, 5))
    bodies = [_event(1), _event(2), _event(3), b"not an event {"]
    ids = [json.loads(body)["meta"]["event_id"] for body in bodies[:3]]
    for body in bodies:
        channel.basic_publish(
            "", queue, body, pika.BasicProperties(content_type="application/json", delivery_mode=2)
        )
    for index in range(len(bodies)):
        method, _, _ = _get(channel, queue)
        if index == 1:  # delivered again before it dies: it carries x-delivery-count
            channel.basic_nack(method.delivery_tag, requeue=True)
            method, properties, _ = _get(channel, queue)
            assert properties.headers["x-delivery-count"] == 1
        channel.basic_reject(method.delivery_tag, requeue=False)

    def depth(name):
        return channel.queue_declare(name, passive=True).method.message_count

    from crm_testkit import wait_until

    wait_until(
        lambda: depth(dead_letter_queue(queue)) == 4,
        10,
        message="the rejected messages did not reach the dead-letter queue",
    )
    try:
        yield queue, ids, channel, depth
    finally:
        channel.queue_delete(queue)
        channel.queue_delete(dead_letter_queue(queue))
        channel.exchange_delete(dead_letter_exchange(consumer_of_queue(queue)))
        connection.close()


def _run(crmctl, *args):
    return crmctl(*args, "--amqp-url", AMQP_URL)


def test_show_lists_dead_letters_oldest_first_and_leaves_them(crmctl, dead_letters):
    queue, ids, _, depth = dead_letters
    result = _run(crmctl, "dlq", "show", dead_letter_queue(queue), "-o", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["event_id"] for row in rows] == ids + [""]
    assert {row["queue"] for row in rows} == {queue} and {row["reason"] for row in rows} == {
        "rejected"
    }
    assert rows[0]["aggregate"] == "thing/agg-1" and rows[3]["body"] == "not an event {"
    assert depth(dead_letter_queue(queue)) == 4  # nothing removed
    table = _run(crmctl, "dlq", "show", queue, "--limit", "2")  # the handler queue's name works
    assert ids[0] in table.output and ids[2] not in table.output


def test_replay_by_event_id_then_all_and_again(crmctl, dead_letters):
    queue, ids, channel, depth = dead_letters
    result = _run(crmctl, "dlq", "replay", queue, "--event-id", ids[1])
    assert result.exit_code == 0 and "replayed 1 message(s)" in result.output, result.output
    assert depth(queue) == 1 and depth(dead_letter_queue(queue)) == 3
    method, properties, body = _get(channel, queue)
    assert json.loads(body)["meta"]["event_id"] == ids[1]
    # A fresh start: no death records, and no delivery count that would dead-letter it at once.
    headers = properties.headers or {}
    assert not {"x-death", "x-first-death-queue"} & set(headers)
    assert headers.get("x-delivery-count", 0) == 0
    channel.basic_nack(method.delivery_tag, requeue=True)
    rows = json.loads(_run(crmctl, "dlq", "show", queue, "-o", "json").output)
    assert [row["event_id"] for row in rows] == [ids[0], ids[2], ""]  # order kept

    again = _run(crmctl, "dlq", "replay", queue, "--event-id", ids[1], "-o", "json")
    assert json.loads(again.output) == {"replayed": [], "not_found": [ids[1]]}
    everything = _run(crmctl, "dlq", "replay", queue, "--all")
    assert "replayed 3 message(s)" in everything.output
    assert depth(queue) == 4 and depth(dead_letter_queue(queue)) == 0


def test_refusals_say_what_to_do(crmctl, dead_letters):
    queue, _, _, _ = dead_letters
    nothing = _run(crmctl, "dlq", "replay", queue)
    assert nothing.exit_code == 1 and "--event-id ID, or --all" in nothing.output
    missing = _run(crmctl, "dlq", "show", "evt-nobody-nothing--nobody.on_nothing")
    assert missing.exit_code == 1 and "crmctl dlq list --all" in missing.output
    listed = _run(crmctl, "dlq", "list")
    assert listed.exit_code == 0, listed.output
