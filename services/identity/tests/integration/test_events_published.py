"""CreateUser -> outbox -> the chassis relay process -> RabbitMQ, in nameko's wire format."""

import os
import signal
import subprocess
import sys
import uuid

import pytest

from crm.identity.v1 import events_pb2, users_pb2
from crm_chassis import events
from crm_testkit import AMQP_URL, amqp_channel, free_port, wait_until

pytestmark = pytest.mark.integration


def test_user_created_reaches_the_broker_as_a_nameko_event(database_url, client, admin_token):
    connection, channel = amqp_channel()
    queue = f"test-identity-events-{uuid.uuid4().hex[:8]}"
    channel.exchange_declare(
        exchange="identity.events", exchange_type="topic", durable=True, auto_delete=False
    )
    channel.queue_declare(queue=queue, exclusive=True, auto_delete=True)
    channel.queue_bind(queue=queue, exchange="identity.events", routing_key="user_created")
    env = dict(
        os.environ,
        CRM_IDENTITY_DATABASE_URL=database_url,
        CRM_IDENTITY_AMQP_URL=AMQP_URL,
        CRM_IDENTITY_METRICS_PORT=str(free_port()),
    )
    relay = subprocess.Popen(
        [sys.executable, "-m", "crm_chassis.outbox.relay_main", "--service", "identity"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        email = f"evt-{uuid.uuid4().hex[:8]}@example.com"
        created = client.call(
            client.users.CreateUser,
            users_pb2.CreateUserRequest(
                email=email,
                display_name="Eve Event",
                password="violet tractor hums at dawn",
                departments=["marketing"],
            ),
            admin_token,
        )
        received = {}

        def delivered():
            while True:
                method, properties, body = channel.basic_get(queue, auto_ack=True)
                if method is None:
                    return False
                message = events.decode(body, events_pb2.UserCreated)
                if message.user.id == created.id:
                    received.update(properties=properties, message=message, key=method.routing_key)
                    return True

        wait_until(delivered, timeout=30, message="user_created never reached the broker")
    finally:
        relay.send_signal(signal.SIGTERM)
        try:
            relay.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay.communicate()
        connection.close()
    properties, message = received["properties"], received["message"]
    assert received["key"] == "user_created"
    assert properties.content_type == "application/json" and properties.delivery_mode == 2
    assert properties.headers["nameko.call_id_stack"]
    assert (
        message.meta.event_type,
        message.meta.aggregate_id,
        message.meta.aggregate_version,
        message.meta.producer,
    ) == ("user_created", created.id, 1, "identity")
    assert message.user.email == email and list(message.user.departments) == ["marketing"]
    assert message.meta.actor.display_name == "Root Admin"
