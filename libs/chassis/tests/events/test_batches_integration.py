"""The batch handler over a real RabbitMQ and PostgreSQL: waiting deliveries are handled in
batches (one transaction each), every event takes effect exactly once, and a failing event is
isolated (the rest of its batch commits; it alone is retried and dead-lettered)."""

from __future__ import annotations

import pytest

from crm_chassis.messaging.topology import dead_letter_queue
from crm_testkit import AMQP_URL, amqp_channel
from crm_testkit.messaging import pika_user

pytestmark = pytest.mark.integration


def _published(bed, count):
    bed.wait_for(
        lambda: bed.outbox_statuses().get("sent", 0) >= count,
        60,
        f"the relay did not publish {count} events",
    )


def test_waiting_events_are_handled_in_batches_exactly_once(bed):
    bed.declare()
    bed.declare_batch_queue()
    bed.start_relay()
    ids = bed.write_events(600, per_transaction=100)
    _published(bed, 600)
    worker = bed.start_worker(EVT_BATCH="1")
    bed.wait_for(lambda: bed.count("batched") >= 600, 60, "batched events missing")
    rows = bed.rows("batched")
    assert sorted(r["event_id"] for r in rows) == sorted(ids)  # each exactly once
    sizes = [r["batch_size"] for r in rows]
    assert max(sizes) == 100 and sum(1 for s in sizes if s > 1) > 500  # batches, not singles
    # Every delivery was acknowledged (a batch at a time, with one multiple ack): once the
    # worker has stopped, nothing unacknowledged returns to the queue.
    assert bed.stop(worker) == 0
    assert bed.queue_depth(bed.batch_queue) == 0


def test_a_failing_event_does_not_hold_back_its_batch(bed):
    bed.declare()
    bed.declare_batch_queue()
    bed.start_relay()
    good = bed.write_events(20, per_transaction=20)
    bad = bed.write_events(1, name="always-fail")
    _published(bed, 21)
    bed.start_worker(EVT_BATCH="1")
    bed.wait_for(lambda: bed.count("batched") >= 20, 60, "the good events were held back")
    assert sorted(r["event_id"] for r in bed.rows("batched")) == sorted(good)
    bed.wait_for(
        lambda: bed.queue_depth(dead_letter_queue(bed.batch_queue)) == 1,
        60,
        "the failing event was not dead-lettered after its deliveries",
    )
    assert bad[0] not in {r["event_id"] for r in bed.rows("batched")}


def test_poison_bodies_on_a_batch_queue_are_dead_lettered_at_once(bed):
    # The batch consumer hands raw bodies to the handler (no kombu decoding): whatever is not a
    # valid event, including bytes that are not UTF-8 and a body kombu could not have decoded,
    # goes to the dead-letter queue without a retry, and the good events are handled.
    import json

    import pika

    bed.declare()
    bed.declare_batch_queue()
    connection, channel = amqp_channel()
    try:
        for body, content_type in (
            (json.dumps({"name": "x"}).encode(), "application/json"),
            (b"not json {", "application/json"),
            (b"\xff\xfe\x00", "application/json"),
            (json.dumps({"meta": "nope"}).encode(), "application/json"),
            (b"\x80\x04K\x01.", "application/x-python-serialize"),
        ):
            channel.basic_publish(
                "",
                bed.batch_queue,
                body,
                pika.BasicProperties(
                    content_type=content_type, delivery_mode=2, user_id=pika_user(AMQP_URL)
                ),
            )
    finally:
        connection.close()
    bed.start_worker(EVT_BATCH="1")
    # The 30 s below are for dead-lettering, not for the worker process to start: on a loaded
    # machine start-up alone (imports, connections) has taken most of them.
    bed.wait_worker_ready()
    dlq = dead_letter_queue(bed.batch_queue)
    bed.wait_for(lambda: bed.queue_depth(dlq) == 5, 30, "5 poison messages in the DLQ")
    bed.start_relay()
    ids = bed.write_events(30, per_transaction=30)
    bed.wait_for(lambda: bed.count("batched") >= 30, 60, "the good events were not handled")
    assert sorted(r["event_id"] for r in bed.rows("batched")) == sorted(ids)
    assert bed.queue_depth(dlq) == 5 and bed.queue_depth(bed.batch_queue) == 0


def test_events_arriving_while_batches_run_are_each_handled_once(bed):
    # Live traffic: the worker is consuming while the relay publishes in bursts, so batches
    # start with whatever has arrived and more deliveries wait while one runs. Every event must
    # be handled exactly once and every delivery acknowledged (none acked unhandled).
    bed.declare()
    bed.declare_batch_queue()
    worker = bed.start_worker(EVT_BATCH="1")
    bed.start_relay()
    ids = []
    for _ in range(10):
        ids += bed.write_events(60, per_transaction=20)
    bed.wait_for(lambda: bed.count("batched") >= 600, 60, "batched events missing")
    assert sorted(r["event_id"] for r in bed.rows("batched")) == sorted(ids)
    assert bed.stop(worker) == 0
    assert bed.queue_depth(bed.batch_queue) == 0
