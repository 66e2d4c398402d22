"""The manifest's subscriptions are exactly the worker's handlers."""

from crm_chassis.manifest import find
from crm_chassis.messaging.contract import assert_manifest_matches_worker


def test_manifest_matches_worker():
    assert_manifest_matches_worker(find("reporting"), "crm_reporting.entrypoints.worker")
