"""Prometheus counters of login outcomes (implements service_layer.ports.LoginMonitor)."""
from __future__ import annotations

from prometheus_client import Counter

LOGIN_FAILURES = Counter("identity_login_failures_total",
                         "Failed logins (wrong e-mail or password, or deactivated account).")
LOGIN_LOCKOUTS = Counter("identity_login_lockouts_total",
                         "Failed logins that locked their e-mail for 15 minutes "
                         "(the 5th within 15 min).")


class PrometheusLoginMonitor:
    def login_failed(self) -> None:
        LOGIN_FAILURES.inc()

    def locked_out(self) -> None:
        LOGIN_LOCKOUTS.inc()
