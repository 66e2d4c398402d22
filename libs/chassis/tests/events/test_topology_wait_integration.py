"""``topology_main wait``: the init container that holds a worker or relay until its service's
part of the broker topology exists (declares nothing itself)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from crm_chassis.manifest import ServiceManifest, Subscription
from crm_chassis.messaging.topology import declare_exchanges, declare_service_topology
from crm_chassis.messaging.topology_main import wait_for_topology
from crm_testkit import AMQP_URL, amqp_channel, free_port

pytestmark = pytest.mark.integration


def test_wait_names_what_is_missing_until_the_part_is_declared():
    name, source = f"waits{uuid.uuid4().hex[:8]}", f"src{uuid.uuid4().hex[:8]}"
    sub = Subscription(source=source, event="thing_done", consumer=name, method="on_thing_done")
    manifest = ServiceManifest(
        name=name, package=f"crm_{name}", grpc_port=1, root=Path("."), subscriptions=(sub,)
    )
    source_manifest = ServiceManifest(
        name=source, package=f"crm_{source}", grpc_port=1, root=Path(".")
    )

    missing = wait_for_topology(AMQP_URL, manifest, 5, wait_seconds=0)
    assert missing.startswith(f"the broker topology of {name} is not declared")
    assert f"exchange {name}.events" in missing and f"queue {sub.queue}.dlq" in missing

    connection, channel = amqp_channel()
    try:
        declare_exchanges(channel, source_manifest)
        declare_service_topology(channel, manifest, 5)
        assert wait_for_topology(AMQP_URL, manifest, 5, wait_seconds=0) is None
        for queue in (sub.queue, f"{sub.queue}.dlq"):
            channel.queue_delete(queue)
        for exchange in (f"{name}.events", f"{name}.dlx", f"{source}.events", f"{source}.dlx"):
            channel.exchange_delete(exchange)
    finally:
        connection.close()


def test_the_command_exits_1_and_says_why_while_the_broker_does_not_answer():
    env = {
        **os.environ,
        "CRM_ENV": "test",
        "CRM_LEADS_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/crm",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_chassis.messaging.topology_main",
            "wait",
            "--service",
            "leads",
            "--wait-seconds",
            "0",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert "crm-topology: broker unavailable" in done.stderr
