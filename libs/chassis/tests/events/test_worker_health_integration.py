"""A worker's /healthz (its readiness) tells the truth: 503 naming the cause while its broker
connection is down, while it consumes nothing and while its database is unreachable; 200 again
by itself when each comes back."""

from __future__ import annotations

import pytest

from crm_testkit import database_down
from crm_testkit.messaging import BrokerLink

pytestmark = pytest.mark.integration

READY = {"broker": True, "consuming": True, "database": True}


def _wait_health(bed, status, checks, timeout=60.0):
    bed.wait_for(
        lambda: bed.healthz() == (status, checks),
        timeout,
        f"/healthz did not become {status} {checks} (last {bed.healthz()})",
    )


def test_a_worker_is_ready_only_while_connected_consuming_and_with_its_database(bed):
    link = BrokerLink()
    try:
        bed.declare()
        worker = bed.start_worker(CRM_AMQP_URL=link.url, CRM_HEALTH_CHECK_SECONDS="0.2")
        _wait_health(bed, 200, READY)
        assert bed.metric("event_queue_consumers") >= 1  # every queue it consumes: 1

        with database_down(bed.env[f"CRM_{bed.consumer.upper()}_DATABASE_URL"]):
            _wait_health(bed, 503, {**READY, "database": False})
        _wait_health(bed, 200, READY)

        link.cut()  # the broker is gone for this worker
        _wait_health(bed, 503, {**READY, "broker": False, "consuming": False})
        assert bed.metric("event_queue_consumers") == 0
        link.restore()
        _wait_health(bed, 200, READY)

        bed.stop(worker)
    finally:
        link.close()


def test_a_worker_that_cannot_reach_the_broker_at_start_is_not_ready(bed):
    link = BrokerLink()
    link.cut()
    try:
        bed.declare()
        bed.start_worker(CRM_AMQP_URL=link.url)
        _wait_health(bed, 503, {"broker": False, "consuming": False, "database": True})
        link.restore()
        _wait_health(bed, 200, READY)
    finally:
        link.close()
