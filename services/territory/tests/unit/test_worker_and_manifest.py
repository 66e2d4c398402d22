"""The manifest matches the worker's handlers and lists every event type the service emits."""

import re
from pathlib import Path

from crm_chassis import manifest
from crm_chassis.messaging.contract import assert_manifest_matches_worker
from crm_territory.entrypoints import worker

ROOT = Path(__file__).resolve().parents[2]
SERVICE_LAYER = ROOT / "crm_territory" / "service_layer"
# emit("type", ...) with the type on the call's line or the next one (as the formatter wraps it).
EMITTED = re.compile(r'(?:emit\(\s*|event_type = )"([a-z_]+)"')


def test_manifest_subscriptions_match_the_worker_handlers():
    territory = manifest.load(ROOT / "service.toml")
    assert_manifest_matches_worker(territory, worker)
    assert {(s.source, s.event) for s in territory.subscriptions} == {
        ("identity", "user_created"),
        ("identity", "user_updated"),
        ("identity", "user_deactivated"),
        ("identity", "user_reactivated"),
        ("identity", "user_departments_changed"),
        ("leads", "lead_created"),
        ("leads", "leads_captured"),
        ("leads", "lead_assigned"),
        ("leads", "leads_assigned"),
        ("leads", "lead_status_changed"),
        ("leads", "lead_merged"),
        ("deals", "deal_created"),
        ("deals", "deal_updated"),
        ("deals", "deal_won"),
        ("deals", "deal_lost"),
        ("deals", "deal_reopened"),
        ("deals", "deal_transferred"),
    }


def test_manifest_lists_every_event_type_the_use_cases_emit():
    emitted = {
        name for path in SERVICE_LAYER.glob("*.py") for name in EMITTED.findall(path.read_text())
    }
    territory = manifest.load(ROOT / "service.toml")
    assert "lead_routed" in emitted and "user_access_changed" in emitted
    assert set(territory.publishes) == emitted
    assert (territory.name, territory.package, territory.grpc_port) == (
        "territory",
        "crm_territory",
        50052,
    )
    assert territory.processes == {"api": 9152, "worker": 9252, "relay": 9352}
