"""Outbox relay -> RabbitMQ -> nameko handlers, on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import events
from crm_testkit import amqp_channel

pytestmark = pytest.mark.integration


def _outbox_rows(bed):
    outbox = bed.producer_tables.tables["outbox"]
    with bed.producer_engine.connect() as conn:
        return conn.execute(select(outbox).order_by(outbox.c.id)).mappings().all()


def test_relayed_event_reaches_a_plain_nameko_handler_unchanged(bed):
    bed.declare()
    connection, channel = amqp_channel()
    wiretap = f"{bed.producer}-wiretap"
    channel.queue_declare(queue=wiretap, exclusive=True)
    channel.queue_bind(queue=wiretap, exchange=f"{bed.producer}.events", routing_key="#")
    try:
        bed.start_worker()
        bed.wait_worker_ready()
        bed.start_relay()
        [event_id] = bed.write_events(1, name="wire")
        bed.wait_rows("plain_received", 1)
        [row] = bed.rows("plain_received")
        [outbox_row] = _outbox_rows(bed)
        method, properties, body = channel.basic_get(wiretap, auto_ack=True)
    finally:
        connection.close()

    # What nameko's @event_handler got: the body as encoded (the probe re-serialises the dict
    # nameko decoded, so compare values), and the relay's call id first on the call-id stack
    # (nameko appends its own).
    assert json.loads(row["body"]) == json.loads(outbox_row["payload"])
    decoded = events.decode(row["body"], SomethingHappened)
    assert decoded.meta.event_id == event_id and decoded.name == "wire"
    assert decoded.meta.producer == bed.producer
    relay_stack = json.loads(outbox_row["headers"])["nameko.call_id_stack"]
    assert json.loads(row["context_data"])["call_id_stack"][:1] == relay_stack
    # What went over the wire.
    assert body.decode() == events.encode(decoded)
    assert method.routing_key == "something_happened"
    assert properties.content_type == "application/json"
    assert properties.delivery_mode == 2
    assert properties.message_id == event_id
    assert properties.type == "something_happened"
    assert properties.headers["nameko.call_id_stack"] == relay_stack
    assert outbox_row["status"] == "sent" and outbox_row["sent_at"] is not None


def test_each_event_takes_effect_exactly_once_even_when_republished(bed):
    bed.start_worker()
    bed.wait_worker_ready()  # start-up is not what the waits below time
    bed.start_relay()
    ids = bed.write_events(200, aggregates=7)
    bed.wait_rows("received", 200)
    assert sorted(r["event_id"] for r in bed.received()) == sorted(ids)
    assert bed.count("inbox") == 200
    assert bed.outbox_statuses() == {"sent": 200}

    # Publish the first 20 events again (as after a relay crash before marking them sent).
    outbox = bed.producer_tables.tables["outbox"]
    with bed.producer_engine.begin() as conn:
        conn.execute(outbox.update().where(outbox.c.id <= 20).values(status="pending"))
    bed.wait_for(
        lambda: bed.metric("inbox_duplicates_skipped_total") >= 20,
        30,
        "20 republished events skipped as duplicates",
    )
    assert bed.count("received") == 200 and bed.count("inbox") == 200
    assert bed.metric("events_consumed_total") == 200
    assert bed.outbox_statuses() == {"sent": 200}


def test_event_published_before_its_consumer_ever_started_is_delivered_when_it_starts(bed):
    relay = bed.start_relay()  # after the bed's topology step, as in make run
    ids = bed.write_events(30)
    bed.wait_for(lambda: bed.outbox_statuses() == {"sent": 30}, 30, "30 events sent")
    assert bed.queue_depth(bed.queue) == 30
    assert bed.stop(relay) == 0  # SIGTERM: a clean exit
    worker = bed.start_worker()
    bed.wait_worker_ready()  # start-up is not what the waits below time
    bed.wait_rows("received", 30)
    assert sorted(r["event_id"] for r in bed.received()) == sorted(ids)
    assert bed.stop(worker) == 0


def test_per_aggregate_order_is_preserved(bed):
    bed.start_worker()
    bed.wait_worker_ready()  # start-up is not what the waits below time
    bed.start_relay()
    bed.write_events(300, aggregates=5, per_transaction=7)
    bed.wait_rows("received", 300)
    versions: dict[str, list[int]] = {}
    for row in bed.received():  # ordered by the consumer's insert order
        versions.setdefault(row["aggregate_id"], []).append(row["aggregate_version"])
    assert len(versions) == 5
    for aggregate, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), aggregate
