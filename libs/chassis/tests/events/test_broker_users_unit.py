"""The broker users' permissions (regexes RabbitMQ matches against resource names) and the
provenance rule, without a broker."""

from __future__ import annotations

import re
from pathlib import Path

from crm_chassis.manifest import ServiceManifest, Subscription
from crm_chassis.messaging import provenance
from crm_chassis.messaging.broker_users import (
    broker_user,
    definitions,
    local_amqp_url,
    password_hash,
    permission,
)
from crm_chassis.messaging.topology import dead_letter_queue, queue_arguments

LEADS = ServiceManifest(
    name="leads",
    package="crm_leads",
    grpc_port=1,
    root=Path("."),
    subscriptions=(
        Subscription("territory", "user_access_changed", "leads", "on_user_access_changed"),
        Subscription("deals", "deal_won", "leads", "on_deal_won"),
    ),
)
OWN_QUEUE = LEADS.subscriptions[0].queue
OTHERS_QUEUE = "evt-identity-user_created--territory.on_user_created"


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None  # RabbitMQ's match: unanchored unless ^...$


def test_a_service_configures_and_writes_only_its_own_resources():
    p = permission(LEADS)
    assert p.user == "crm-leads"
    for name in ("leads.events", "leads.dlx", OWN_QUEUE, dead_letter_queue(OWN_QUEUE)):
        assert allowed(p.configure, name) and allowed(p.write, name), name
    for name in (
        "territory.events",
        "deals.events",
        "crm.dlx",
        "territory.dlx",
        OTHERS_QUEUE,
        dead_letter_queue(OTHERS_QUEUE),
        "leads.events.x",
        "xleads.events",
        "evt-identity-user_created--leadsx.on_x",
        "amq.default",
        "",
    ):
        assert not allowed(p.configure, name) and not allowed(p.write, name), name


def test_a_service_reads_its_queues_its_dead_letters_and_the_exchanges_it_subscribes_to():
    p = permission(LEADS)
    for name in (
        "territory.events",
        "deals.events",
        "leads.dlx",
        OWN_QUEUE,
        dead_letter_queue(OWN_QUEUE),
    ):
        assert allowed(p.read, name), name
    for name in ("identity.events", "leads.events", OTHERS_QUEUE, "territory.dlx"):
        assert not allowed(p.read, name), name


def test_queues_dead_letter_to_their_consumers_own_exchange():
    assert queue_arguments(OWN_QUEUE, 5)["x-dead-letter-exchange"] == "leads.dlx"


def test_local_definitions_create_users_with_rabbitmq_password_hashes():
    found = definitions([LEADS], "crm-test-x", also_permit=["guest"])
    assert found["vhosts"] == [{"name": "crm-test-x"}]
    [user] = found["users"]
    assert user["name"] == "crm-leads"
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert [(p["user"], p["vhost"]) for p in found["permissions"]] == [
        ("crm-leads", "crm-test-x"),
        ("guest", "crm-test-x"),
    ]
    # RabbitMQ's documented example: salt 908DC60A, password "test12".
    assert password_hash("test12", bytes.fromhex("908DC60A")) == (
        "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"
    )
    assert local_amqp_url("leads", "crm") == (
        "amqp://crm-leads:local-dev-leads-broker@127.0.0.1:5672/crm"
    )


def test_only_the_owners_user_is_admitted():
    assert broker_user("territory") == "crm-territory"
    assert broker_user("territory", "prod-{service}-events") == "prod-territory-events"
    assert provenance.refusal("crm-territory", "crm-territory") is None
    assert provenance.refusal("crm-leads", "crm-territory") == provenance.WRONG_PRODUCER
    assert provenance.refusal(None, "crm-territory") == provenance.MISSING
    assert provenance.refusal("", "crm-territory") == provenance.MISSING


def test_the_test_sessions_vhost_goes_into_the_url():
    from crm_testkit.pytest_broker import vhost_of, with_vhost

    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/%2F") == "/"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672") == "/"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/wt-broker") == "wt-broker"
    assert with_vhost("amqp://guest:guest@127.0.0.1:5672/%2F", "crm-test-1") == (
        "amqp://guest:guest@127.0.0.1:5672/crm-test-1"
    )
