"""What the worker benchmarks share: publishing events as a producer's relay would, waiting for
a condition, and reading a process's CPU time."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from pathlib import Path

import pika
from google.protobuf.message import Message
from sqlalchemy import text

from crm_chassis.events import encode, headers_for
from crm_chassis.messaging.broker_users import broker_user, provision_once
from crm_testkit import AMQP_URL, amqp_channel, service_amqp_url
from crm_testkit.messaging import existing_queues
from crm_testkit.pytest_broker import vhost_of


def publish_events(exchange: str, event_type: str, messages: Iterable[Message]) -> int:
    """Publish stamped event messages in nameko's wire format (persistent, mandatory, publisher
    confirms), as the relay does: as the producer's own broker user, ``user_id`` stamped (the
    consumers refuse anything else); returns how many."""
    source = exchange.removesuffix(".events")
    provision_once(vhost_of(AMQP_URL))
    count = 0
    connection, channel = amqp_channel(service_amqp_url(source))
    try:
        channel.confirm_delivery()
        for message in messages:
            channel.basic_publish(
                exchange,
                event_type,
                encode(message).encode(),
                properties=pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    headers=headers_for(message.meta),
                    message_id=message.meta.event_id,
                    type=event_type,
                    user_id=broker_user(source),
                ),
                mandatory=True,
            )
            count += 1
    finally:
        connection.close()
    return count


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(engine, databases: list[str]) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving ``databases``, by pid (a backend
    that ended is gone from the sum: keep the connections open across what is measured)."""
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:d)"), {"d": databases}
        ).scalars()
        used = {}
        for pid in pids:
            try:
                used[pid] = cpu_seconds(pid)
            except OSError:
                continue
    return used


def machine_cpu_seconds() -> float:
    """CPU time all cores have spent busy so far (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def queues_removed_afterwards(queues: list[str]):
    """Deletes, on leaving, those of ``queues`` that did not exist on entering (a bench's worker
    declares its service's queues; queues of `make run` or other runs are left alone)."""
    before = existing_queues(queues)
    try:
        yield
    finally:
        connection, channel = amqp_channel()
        try:
            for queue in queues:
                if queue not in before:
                    channel.queue_delete(queue=queue)
        finally:
            connection.close()
