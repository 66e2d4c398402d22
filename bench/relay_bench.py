"""Event publishing throughput: raw pika with pipelined confirms vs the outbox relay on PostgreSQL.

    .venv/bin/python bench/relay_bench.py [N]      (or: python -m bench.relay_bench)

(1) raw: N messages of ~600 bytes published on one SelectConnection in confirm mode, all in
    flight at once; msgs/s until the last confirm.
(2) relay: N outbox rows written beforehand into a fresh PostgreSQL database, drained by
    OutboxRelay (batches of outbox_batch_size, default 500) into RabbitMQ until every row is
    SENT; events/s.
Needs RabbitMQ and PostgreSQL (make infra-test). Declares and deletes its own exchange/queue.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid

import pika
from sqlalchemy import MetaData, func, insert, select

from crm_chassis import events
from crm_chassis.db import make_engine
from crm_chassis.outbox.publisher import ConfirmingPublisher
from crm_chassis.outbox.relay import OutboxRelay
from crm_chassis.outbox.tables import outbox_table
from crm_chassis.settings import ServiceSettings
from crm_testkit import AMQP_URL, amqp_channel, temporary_postgres_database

BODY_SIZE = 600


def _body(i: int) -> bytes:
    head = json.dumps(
        {
            "meta": {
                "event_id": uuid.uuid4().hex,
                "event_type": "bench_happened",
                "aggregate_id": f"agg-{i % 100}",
                "producer": "bench",
            },
            "seq": i,
        }
    )
    return (head[:-1] + ',"pad":"' + "x" * max(0, BODY_SIZE - len(head) - 10) + '"}').encode()


def raw_pika(n: int, exchange: str, routing_key: str) -> float:
    """msgs/s of N pipelined publishes on a SelectConnection in confirm mode."""
    bodies = [_body(i) for i in range(n)]
    state = {"acked": 0, "nacked": 0, "started": 0.0, "elapsed": 0.0}
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)

    def on_open(connection):
        connection.channel(on_open_callback=on_channel)

    def on_channel(channel):
        channel.confirm_delivery(partial_ack, callback=lambda _f: publish_all(channel))

    def publish_all(channel):
        state["started"] = time.perf_counter()
        for body in bodies:
            channel.basic_publish(exchange, routing_key, body, properties, mandatory=True)

    def partial_ack(frame):
        method = frame.method
        count = (method.delivery_tag - state["acked"] - state["nacked"]) if method.multiple else 1
        state["nacked" if isinstance(method, pika.spec.Basic.Nack) else "acked"] += count
        if state["acked"] + state["nacked"] >= n:
            state["elapsed"] = time.perf_counter() - state["started"]
            connection.close()

    connection = pika.SelectConnection(
        pika.URLParameters(AMQP_URL),
        on_open_callback=on_open,
        on_close_callback=lambda *_: connection.ioloop.stop(),
    )
    connection.ioloop.start()
    if state["acked"] != n:
        raise RuntimeError(f"raw publish: {state['acked']} of {n} acked")
    return n / state["elapsed"]


def _write_outbox(engine, table, n: int, exchange: str) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(n):
        event_id = uuid.uuid4().hex
        rows.append(
            {
                "event_id": event_id,
                "event_type": "bench_happened",
                "exchange": exchange,
                "aggregate_type": "bench",
                "aggregate_id": f"agg-{i % 100}",
                "aggregate_version": i // 100 + 1,
                "payload": _body(i).decode(),
                "headers": json.dumps(
                    {events.CALL_ID_STACK_HEADER: [f"bench.outbox_relay.{event_id}"]}
                ),
                "occurred_at": now,
            }
        )
    with engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(insert(table), rows[start : start + 5000])


def relay_drain(n: int, exchange: str) -> tuple[float, int]:
    """events/s of OutboxRelay draining N pre-written rows on PostgreSQL; and the batch size."""
    batch_size = ServiceSettings.load("bench").outbox_batch_size
    with temporary_postgres_database("bench") as url:
        engine = make_engine(url)
        metadata = MetaData()
        table = outbox_table(metadata)
        metadata.create_all(engine)
        _write_outbox(engine, table, n, exchange)
        publisher = ConfirmingPublisher(AMQP_URL, app_id="bench.outbox_relay")
        relay = OutboxRelay(engine, "bench", publisher, batch_size=batch_size)
        publisher.connect()
        relay.leadership.try_acquire()  # batches are read only under the relay lock
        started = time.perf_counter()
        while relay.run_once():
            pass
        elapsed = time.perf_counter() - started
        relay.leadership.release()
        publisher.close()
        with engine.connect() as conn:
            sent = conn.execute(
                select(func.count()).select_from(table).where(table.c.status == "sent")
            ).scalar_one()
        engine.dispose()
    if sent != n:
        raise RuntimeError(f"relay: {sent} of {n} rows sent")
    return n / elapsed, batch_size


def run(n: int = 20000) -> dict:
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"bench{suffix}.events", f"bench{suffix}-sink"
    connection, channel = amqp_channel()
    channel.exchange_declare(exchange, "topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, exchange, "#")
    try:
        raw = raw_pika(n, exchange, "bench_happened")
        channel.queue_purge(queue)
        relay, batch_size = relay_drain(n, exchange)
    finally:
        channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        connection.close()
    return {
        "n": n,
        "body_bytes": BODY_SIZE,
        "raw_pika_msgs_per_s": round(raw),
        "relay_events_per_s": round(relay),
        "relay_batch_size": batch_size,
        "title": "outbox relay (PostgreSQL → RabbitMQ) vs raw pika with pipelined confirms",
        "checks": [("relay ≥ 5,000 events/s", relay >= 5000)],
    }


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
    print(
        f"raw pika, pipelined confirms: {result['raw_pika_msgs_per_s']:>8,} msgs/s "
        f"({result['n']:,} x {result['body_bytes']} B)"
    )
    print(
        f"outbox relay on PostgreSQL:   {result['relay_events_per_s']:>8,} events/s "
        f"(batch {result['relay_batch_size']}, target >= 5,000)"
    )
