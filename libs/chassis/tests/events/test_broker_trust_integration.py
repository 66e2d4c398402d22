"""Broker trust over a real RabbitMQ: a service's broker user may touch only its own exchange and
queues, cannot forge the producer it stamps, and a consumer dead-letters unhandled any event its
type's owner did not publish."""

from __future__ import annotations

import json

import pika
import pika.exceptions
import pytest

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import events
from crm_chassis import manifest as manifests
from crm_chassis.messaging.bootstrap import declare_with_retry
from crm_chassis.messaging.broker_users import broker_user
from crm_chassis.messaging.topology import dead_letter_queue, declare_exchanges, queue_arguments
from crm_chassis.settings import ServiceSettings
from crm_testkit import AMQP_URL, amqp_channel, service_amqp_url
from crm_testkit.messaging import EVENT, pika_user

pytestmark = pytest.mark.integration
TERRITORY_QUEUE = "evt-identity-user_created--territory.on_user_created"


def _refused(connection, action) -> int:
    """The reply code of the broker closing the channel ``action(channel)`` used; 0 if none."""
    channel = connection.channel()
    channel.confirm_delivery()
    try:
        action(channel)
    except pika.exceptions.ChannelClosedByBroker as exc:
        return exc.reply_code
    channel.close()
    return 0


@pytest.fixture
def platform_exchanges():
    """Every service's exchanges and territory's queue, as their own topology steps leave them."""
    connection, channel = amqp_channel()
    try:
        for manifest in manifests.discover():
            declare_exchanges(channel, manifest)
        channel.queue_declare(
            TERRITORY_QUEUE,
            durable=True,
            arguments=queue_arguments(
                TERRITORY_QUEUE, ServiceSettings.load("territory").event_max_deliveries
            ),
        )
    finally:
        connection.close()


def test_a_service_user_is_confined_to_its_own_exchange_and_queues(platform_exchanges):
    leads = manifests.find("leads")
    # Its own part: exchange, dead-letter exchange, queues bound to the exchanges it reads.
    part = declare_with_retry(
        service_amqp_url("leads"),
        leads,
        ServiceSettings.load("leads").event_max_deliveries,
        wait_seconds=10,
    )
    assert part.queues
    # Another service's part is not its to declare.
    with pytest.raises(
        SystemExit,
        match="broker topology of territory not declared.*ACCESS_REFUSED.*own broker user",
    ):
        declare_with_retry(
            service_amqp_url("leads"), manifests.find("territory"), 5, wait_seconds=10
        )
    connection = pika.BlockingConnection(pika.URLParameters(service_amqp_url("leads")))
    try:

        def publish(exchange, user_id=None):
            return lambda ch: ch.basic_publish(
                exchange, "user_access_changed", b"{}", pika.BasicProperties(user_id=user_id)
            )

        assert _refused(connection, publish("leads.events", "crm-leads")) == 0
        assert _refused(connection, publish("territory.events")) == 403  # ACCESS_REFUSED
        assert _refused(connection, publish("identity.events")) == 403
        assert (
            _refused(connection, lambda ch: ch.basic_consume(TERRITORY_QUEUE, lambda *_: None))
            == 403
        )
        assert _refused(connection, lambda ch: ch.queue_delete(TERRITORY_QUEUE)) == 403
        assert (
            _refused(
                connection,
                lambda ch: ch.exchange_declare("territory.events", "topic", durable=True),
            )
            == 403
        )
        assert _refused(connection, lambda ch: ch.exchange_delete("territory.events")) == 403
        # The producer it stamps is checked by the broker against the authenticated user.
        assert _refused(connection, publish("leads.events", "crm-territory")) == 406
    finally:
        connection.close()


def test_relayed_events_carry_the_relays_broker_user(bed):
    user = bed.give_producer_its_broker_user()
    connection, channel = amqp_channel()
    wiretap = f"{bed.producer}-wiretap"
    try:
        bed.declare()
        channel.queue_declare(queue=wiretap, exclusive=True)
        channel.queue_bind(queue=wiretap, exchange=f"{bed.producer}.events", routing_key="#")
        bed.start_relay()
        [event_id] = bed.write_events(1)
        bed.wait_for(lambda: bed.outbox_statuses().get("sent") == 1, 30, "event not relayed")
        _, properties, _ = channel.basic_get(wiretap, auto_ack=True)
    finally:
        connection.close()
    assert user == f"crm-{bed.producer}"
    assert properties.user_id == user and properties.message_id == event_id


def _forged(bed, name: str) -> SomethingHappened:
    message = SomethingHappened(name=name, seq=1)
    events.stamp(
        message,
        producer=bed.producer,
        event_type=EVENT,
        aggregate_type="thing",
        aggregate_id="agg-forged",
        aggregate_version=10**9,
    )
    return message


def test_an_event_not_published_by_its_owner_is_dead_lettered_unhandled(bed):
    bed.give_producer_its_broker_user()
    bed.start_worker()
    bed.start_relay()
    [genuine] = bed.write_events(1)
    bed.wait_rows("received", 1)
    # A credential that may write on the producer's exchange (here the tests' administrator)
    # is not the producer: stamped with its own user, or with no user_id at all.
    forged = {pika_user(AMQP_URL): _forged(bed, "forged"), None: _forged(bed, "unsigned")}
    connection, channel = amqp_channel()
    try:
        channel.confirm_delivery()
        for user_id, message in forged.items():
            channel.basic_publish(
                f"{bed.producer}.events",
                EVENT,
                events.encode(message),
                pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    headers=events.headers_for(message.meta),
                    user_id=user_id,
                    message_id=message.meta.event_id,
                ),
                mandatory=True,
            )
    finally:
        connection.close()
    dlq = dead_letter_queue(bed.queue)
    bed.wait_for(lambda: bed.queue_depth(dlq) == 2, 30, "both forged events in the DLQ")
    [write_after] = bed.write_events(1)  # the worker goes on with genuine events
    bed.wait_rows("received", 2)
    assert sorted(r["event_id"] for r in bed.received()) == sorted([genuine, write_after])
    assert bed.count("attempts") == 0 and bed.queue_depth(bed.queue) == 0
    text = bed.metrics_text()
    assert _sample(text, "events_refused_total", 'reason="wrong_producer"') == 1
    assert _sample(text, "events_refused_total", 'reason="missing_user_id"') == 1
    assert broker_user(bed.producer) in bed.logs()  # the log names the expected producer
    connection, channel = amqp_channel()
    try:  # dead-lettered at once: first delivery, never retried
        for _ in range(2):
            _method, properties, body = channel.basic_get(dlq, auto_ack=True)
            assert json.loads(body)["name"] in ("forged", "unsigned")
            assert "x-delivery-count" not in (properties.headers or {})
    finally:
        connection.close()


def test_a_batch_handler_refuses_them_too(bed):
    bed.give_producer_its_broker_user()
    bed.declare()
    bed.declare_batch_queue()
    bed.start_worker(EVT_BATCH="1")
    bed.start_relay()
    genuine = bed.write_events(3)
    bed.wait_for(lambda: bed.count("batched") >= 3, 30, "the genuine events not batched")
    forged = _forged(bed, "forged")
    connection, channel = amqp_channel()
    try:
        channel.confirm_delivery()
        channel.basic_publish(
            f"{bed.producer}.events",
            EVENT,
            events.encode(forged),
            pika.BasicProperties(
                content_type="application/json", delivery_mode=2, user_id=pika_user(AMQP_URL)
            ),
            mandatory=True,
        )
    finally:
        connection.close()
    dlq = dead_letter_queue(bed.batch_queue)
    bed.wait_for(lambda: bed.queue_depth(dlq) == 1, 30, "the forged event in the batch DLQ")
    later = bed.write_events(2)
    bed.wait_for(lambda: bed.count("batched") >= 5, 30, "events after the forged one")
    assert sorted(r["event_id"] for r in bed.rows("batched")) == sorted(genuine + later)


def _sample(text: str, name: str, label: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name + "{") and label in line
    )
