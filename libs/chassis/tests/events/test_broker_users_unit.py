"""The broker users' permissions (regexes RabbitMQ matches against resource names) and the
provenance rule, without a broker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


# ------------------------------------------------------------------ rabbitmqctl, one at a time
def _fake_cli(tmp_path, body: str):
    script = tmp_path / "rabbitmqctl"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


def test_rabbitmqctl_calls_of_the_machine_run_one_at_a_time(tmp_path, monkeypatch):
    import threading
    import time

    from crm_chassis.messaging import broker_users

    log = tmp_path / "calls.log"
    monkeypatch.setenv(
        "CRM_RABBITMQCTL",
        _fake_cli(tmp_path, f'echo "start $1" >> {log}\nsleep 0.3\necho "end $1" >> {log}\n'),
    )
    monkeypatch.setattr(broker_users, "MACHINE_LOCK", str(tmp_path / "lock"))
    threads = [
        threading.Thread(target=broker_users.rabbitmqctl, args=(f"call{i}",)) for i in range(3)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = log.read_text().split()
    # start/end pairs never interleave: each call ends before the next starts
    pairs = [lines[i : i + 4] for i in range(0, len(lines), 4)]
    assert all(p[0] == "start" and p[2] == "end" and p[1] == p[3] for p in pairs), lines
    assert time.monotonic() - started >= 0.9


def test_a_rabbitmqctl_that_hangs_is_killed_with_its_children(tmp_path, monkeypatch):
    import os
    import time
    from pathlib import Path

    from crm_chassis.messaging import broker_users

    pid_file = tmp_path / "child.pid"
    # The wrapper starts a child (as rabbitmqctl starts its Erlang node) and waits for it.
    monkeypatch.setenv(
        "CRM_RABBITMQCTL", _fake_cli(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait\n")
    )
    monkeypatch.setattr(broker_users, "MACHINE_LOCK", str(tmp_path / "lock"))
    monkeypatch.setattr(broker_users, "RABBITMQCTL_TIMEOUT_SECONDS", 0.5)
    with pytest.raises(broker_users.ProvisioningError, match="did not answer within"):
        broker_users.rabbitmqctl("import_definitions", "x.json")
    child = int(pid_file.read_text())

    def alive() -> bool:
        # A killed child whose parent died too may linger as a zombie until init reaps it.
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except FileNotFoundError:
            return False
        return "\nState:\tZ" not in status

    for _ in range(50):
        if not alive():
            break
        time.sleep(0.05)
    else:
        os.kill(child, 9)
        raise AssertionError("the hanging CLI's child outlived the timeout")
