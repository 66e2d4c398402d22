"""An api's gRPC health is SERVING only while every readiness condition holds.

The server bootstrap (``crm_chassis.grpc.server``) owns one :class:`HealthGate` per api and
sets its conditions: ``started`` (the server listens), ``database`` (``grpc.db_health``: the
database answers) and ``signing_keys`` (:func:`wait_for_signing_keys`: an api that verifies
tokens with identity's published keys holds them). Each change re-publishes the status of every
service name (and ""); a graceful shutdown overrides it (the health servicer ignores changes
once it has begun).

Why signing keys: until a verifier has read identity's keys, every call with a token answers
UNAVAILABLE ("cannot check the token's signing key now"). The process still starts when
identity is down; it only reports NOT_SERVING, so Kubernetes' readiness probe, the end-to-end
bed and ``crm-dev run`` send it no calls, and it turns SERVING by itself once the keys arrive.
Once read, keys are kept through an identity outage, so this condition is checked at start only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from grpc_health.v1 import health_pb2
from grpc_health.v1.health import HealthServicer

from crm_chassis.logging import get_logger

log = get_logger("crm.grpc.health")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class HealthGate:
    def __init__(self, health_servicer: HealthServicer, service_names: Iterable[str]) -> None:
        self._health = health_servicer
        self._names = tuple(service_names)
        self._conditions: dict[str, bool] = {}
        self._lock = threading.Lock()

    def set(self, condition: str, holds: bool) -> None:
        with self._lock:
            self._conditions[condition] = holds
            status = SERVING if all(self._conditions.values()) else NOT_SERVING
            for name in self._names:
                self._health.set(name, status)

    def holds(self, condition: str) -> bool | None:
        return self._conditions.get(condition)


def wait_for_signing_keys(
    verifier: object, gate: HealthGate, poll_seconds: float = 0.5
) -> Callable[[], None] | None:
    """Keep ``signing_keys`` false until the verifier's key source holds keys, when it is one
    that reads them from elsewhere (it has ``wait_for_keys``); returns a stop function, or None
    when there is nothing to wait for."""
    wait = getattr(getattr(verifier, "key_source", None), "wait_for_keys", None)
    if wait is None or wait(0):
        return None
    gate.set("signing_keys", False)
    log.info("health NOT_SERVING until identity's signing keys are read")
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if wait(poll_seconds):
                gate.set("signing_keys", True)
                log.info("signing keys read; health follows the other checks")
                return

    threading.Thread(target=watch, name="signing-keys-health", daemon=True).start()
    return stop.set
