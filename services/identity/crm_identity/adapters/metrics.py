"""Prometheus counters of wrong secrets and throttled attempts (implements
service_layer.ports.AttemptMonitor); the alerts on them are in deploy/prometheus/alerts.yaml."""

from __future__ import annotations

from prometheus_client import Counter

from crm_identity.domain.throttling import PASSWORD

LOGIN_FAILURES = Counter(
    "identity_login_failures_total",
    "Wrong passwords (Login, ChangeOwnPassword; unknown e-mails and "
    "deactivated accounts included).",
)
SERVICE_TOKEN_FAILURES = Counter(
    "identity_service_token_failures_total",
    "Wrong client secrets or unknown client ids at IssueServiceToken.",
)
LOGIN_THROTTLED = Counter(
    "identity_login_throttled_total",
    "Password attempts refused (RESOURCE_EXHAUSTED) by the throttle; scope "
    "address = one address backs off, account = the account's ceiling "
    "across addresses.",
    ["scope"],
)
SERVICE_TOKEN_THROTTLED = Counter(
    "identity_service_token_throttled_total",
    "IssueServiceToken attempts refused by the throttle (scope as for logins).",
    ["scope"],
)


class PrometheusAttemptMonitor:
    def failed(self, credential: str) -> None:
        (LOGIN_FAILURES if credential == PASSWORD else SERVICE_TOKEN_FAILURES).inc()

    def throttled(self, credential: str, scope: str) -> None:
        counter = LOGIN_THROTTLED if credential == PASSWORD else SERVICE_TOKEN_THROTTLED
        counter.labels(scope=scope).inc()
