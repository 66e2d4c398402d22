"""The worker's timers call the use cases; the manifest matches the worker and the events."""

from pathlib import Path

from nameko.testing.services import worker_factory

from crm_chassis import manifest
from crm_chassis.messaging.contract import assert_manifest_matches_worker
from crm_identity.entrypoints import worker
from crm_identity.service_layer import event_messages

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_subscriptions_match_the_worker_handlers():
    identity = manifest.load(ROOT / "service.toml")
    assert identity.subscriptions == ()
    assert_manifest_matches_worker(identity, worker)


def test_manifest_lists_every_published_event_type():
    identity = manifest.load(ROOT / "service.toml")
    assert set(identity.publishes) == set(event_messages.PUBLISHED)
    assert (identity.name, identity.package, identity.grpc_port) == (
        "identity",
        "crm_identity",
        50051,
    )
    assert identity.processes == {"api": 9151, "worker": 9251, "relay": 9351}


def test_rotation_timer_rotates_only_when_due(world):
    service = worker_factory(worker.IdentityWorker, deps=world.deps)
    service.rotate_signing_keys()
    assert [k.kid for k in world.store.keys.values()] == ["kid-1"]
    world.clock.advance(days=31)
    service.rotate_signing_keys()
    assert {k.kid: k.active for k in world.store.keys.values()} == {"kid-1": False, "kid-2": True}


def test_prune_timer_prunes(world):
    world.store.failures.append(("password", "x@example.com", "unknown", world.clock.now()))
    world.clock.advance(hours=2)
    worker_factory(worker.IdentityWorker, deps=world.deps).prune()
    assert world.store.failures == []
