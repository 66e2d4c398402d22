"""The manifest's subscriptions are exactly the worker's idempotent handlers, and it publishes
every event the service layer emits."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_chassis import manifest as manifests
from crm_chassis.messaging.contract import assert_manifest_matches_worker
from crm_leads.service_layer.publishing import PUBLISHED

pytestmark = pytest.mark.integration

MANIFEST = Path(__file__).resolve().parents[2] / "service.toml"


def test_manifest_subscriptions_match_the_worker():
    assert_manifest_matches_worker(manifests.load(MANIFEST), "crm_leads.entrypoints.worker")


def test_manifest_publishes_every_event_the_service_emits():
    assert set(manifests.load(MANIFEST).publishes) == set(PUBLISHED)
