"""The manifest matches the worker's handlers and lists every event deals publishes."""

from __future__ import annotations

import re
from pathlib import Path

from crm.deals.v1 import events_pb2
from crm_chassis import manifest
from crm_chassis.messaging.contract import assert_manifest_matches_worker

ROOT = Path(__file__).resolve().parents[2]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_manifest_subscriptions_match_the_worker_handlers():
    deals = manifest.load(ROOT / "service.toml")
    assert_manifest_matches_worker(deals, "crm_deals.entrypoints.worker")
    assert (deals.name, deals.package, deals.grpc_port) == ("deals", "crm_deals", 50055)
    assert deals.processes == {"api": 9155, "worker": 9255, "relay": 9355}


def test_manifest_publishes_every_event_message():
    events = {
        _snake(name)
        for name, message in events_pb2.DESCRIPTOR.message_types_by_name.items()
        if "meta" in message.fields_by_name
    }
    assert set(manifest.load(ROOT / "service.toml").publishes) == events
