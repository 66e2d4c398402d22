"""Publisher confirms/returns, topology declaration and the relay lock on the real broker/database."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from crm_chassis.db import make_engine
from crm_chassis.manifest import ServiceManifest, Subscription
from crm_chassis.messaging.topology import (
    TopologyConflict,
    declare_topology,
    delete_topology,
    queue_depths,
)
from crm_chassis.outbox.leadership import RelayLeadership, Standing
from crm_chassis.outbox.publisher import (
    ConfirmingPublisher,
    OutgoingMessage,
    PublisherConnectionError,
)
from crm_testkit import AMQP_URL, amqp_channel, temporary_postgres_database

pytestmark = pytest.mark.integration


@pytest.fixture
def manifests():
    suffix = uuid.uuid4().hex[:8]
    sub = Subscription(
        source=f"pubp{suffix}", event="made", consumer=f"pubc{suffix}", method="on_made"
    )
    found = [
        ServiceManifest(name=f"pubp{suffix}", package="x", grpc_port=0, root=Path(".")),
        ServiceManifest(
            name=f"pubc{suffix}", package="y", grpc_port=0, root=Path("."), subscriptions=(sub,)
        ),
    ]
    connection, channel = amqp_channel()
    try:
        yield found, channel
    finally:
        delete_topology(channel, found)
        connection.close()


def _message(i, exchange, routing_key):
    return OutgoingMessage(
        id=i,
        exchange=exchange,
        routing_key=routing_key,
        body='{"meta":{}}' + " " * 600,
        event_id=f"ev{i}",
        headers={"nameko.call_id_stack": [f"p.outbox_relay.ev{i}"]},
    )


def test_confirms_returns_and_idempotent_topology(manifests):
    found, channel = manifests
    declare_topology(channel, found, 5)
    declare_topology(channel, found, 5)  # redeclaring the same topology is a no-op
    exchange = f"{found[0].name}.events"
    queue = found[1].subscriptions[0].queue
    publisher = ConfirmingPublisher(AMQP_URL, app_id="test")
    try:
        batch = [_message(i, exchange, "made" if i % 10 else "nobody_listens") for i in range(1000)]
        result = publisher.publish_batch(batch)
        publisher.idle(0.2)  # serves the connection; must not raise
        again = publisher.publish_batch(batch[:5])
    finally:
        publisher.close()
    returned = sorted(i for i, _ in result.returned)
    assert returned == list(range(0, 1000, 10))
    assert all("NO_ROUTE" in reason for _, reason in result.returned)
    assert sorted(result.confirmed) == [i for i in range(1000) if i % 10]
    assert not result.nacked
    assert again.confirmed == [1, 2, 3, 4] and [i for i, _ in again.returned] == [0]
    assert queue_depths(channel.connection.channel, [queue, queue + ".dlq"]) == {
        queue: 904,
        queue + ".dlq": 0,
    }


def test_an_unreachable_broker_is_a_connection_error():
    publisher = ConfirmingPublisher(
        "amqp://guest:guest@127.0.0.1:1/%2F", app_id="test", connect_timeout=2
    )
    with pytest.raises(PublisherConnectionError):
        publisher.publish_batch([_message(1, "x.events", "made")])
    publisher.close()


def test_only_one_relay_holds_the_lock_of_a_service():
    with temporary_postgres_database("lock") as url:
        engine = make_engine(url)
        try:
            first, second = RelayLeadership(engine, "svc"), RelayLeadership(engine, "svc")
            other_service = RelayLeadership(engine, "other")
            assert first.try_acquire() is Standing.LEADER
            assert second.try_acquire() is Standing.STANDBY
            assert other_service.try_acquire() is Standing.LEADER
            first.release()
            assert second.try_acquire() is Standing.LEADER
            second.release()
            other_service.release()
        finally:
            engine.dispose()


def test_a_queue_declared_differently_is_a_clear_conflict(manifests):
    found, channel = manifests
    queue = found[1].subscriptions[0].queue
    channel.queue_declare(queue=queue, durable=True)  # a classic queue, no arguments
    with pytest.raises(TopologyConflict, match="PRECONDITION_FAILED.*delete_queue"):
        declare_topology(channel.connection.channel(), found, 5)


def test_an_idle_publisher_keeps_its_connection_past_several_heartbeats(manifests):
    found, channel = manifests
    declare_topology(channel, found, 5)
    publisher = ConfirmingPublisher(AMQP_URL, app_id="test", heartbeat=1)
    try:
        publisher.connect()
        connection = publisher._connection
        deadline = time.monotonic() + 3.5  # > 3 heartbeat intervals of 1 s
        while time.monotonic() < deadline:  # what the relay does with an empty outbox
            publisher.idle(0.05)
            time.sleep(0.05)  # ...and its database poll in between
        assert publisher.is_connected and publisher._connection is connection
        result = publisher.publish_batch([_message(1, f"{found[0].name}.events", "made")])
        assert result.confirmed == [1] and publisher._connection is connection
    finally:
        publisher.close()
