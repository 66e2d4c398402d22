"""A worker's /healthz checks: a worker of timers only (no subscription) is not held back by
queue checks it can never pass."""

from types import SimpleNamespace

import pytest

from crm_chassis.messaging.worker_health import register_worker_health
from crm_chassis.metrics import health_report, unregister_health_check

NO_DATABASE_WATCH = SimpleNamespace(database_url="sqlite:///:memory:", health_check_seconds=5)


@pytest.fixture(autouse=True)
def _clean_checks():
    yield
    for name in ("broker", "consuming", "database"):
        unregister_health_check(name)


def test_a_worker_of_timers_only_is_ready_without_queue_consumers():
    register_worker_health(NO_DATABASE_WATCH, consumes=False)
    healthy, checks = health_report()
    assert "broker" not in checks and "consuming" not in checks
    assert healthy


def test_a_consuming_worker_is_not_ready_before_its_consumers_are_set_up():
    register_worker_health(NO_DATABASE_WATCH, consumes=True)
    healthy, checks = health_report()
    assert checks["broker"] is False and checks["consuming"] is False
    assert not healthy
