"""/healthz on a process's metrics endpoint: 503 naming the failing check, 200 when all pass."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from crm_chassis.metrics import (
    register_health_check,
    start_metrics_server,
    stop_metrics_server,
    unregister_health_check,
)
from crm_chassis.outbox.relay import OutboxRelay, register_health_checks
from crm_testkit import free_port


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_healthz_reports_each_check_and_metrics_still_served(tmp_path):
    from crm_chassis.db import make_engine

    port = free_port()
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    relay = OutboxRelay(engine, "healthz", publisher=None)
    register_health_checks(relay)
    start_metrics_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/healthz")[0] == 200
        relay.health["broker"] = False
        code, body = _get(base + "/healthz")
        assert code == 503
        assert json.loads(body) == {"healthy": False, "checks": {"database": True, "broker": False}}
        code, body = _get(base + "/metrics")
        assert code == 200 and b"outbox_pending_events" in body
        register_health_check("raises", lambda: 1 / 0)
        relay.health["broker"] = True
        assert _get(base + "/healthz")[0] == 503
    finally:
        for name in ("database", "broker", "raises"):
            unregister_health_check(name)
        stop_metrics_server(port)
        engine.dispose()
