"""gRPC health that tells the truth about the database: NOT_SERVING while it cannot be reached.

An api whose database is gone answers every call UNAVAILABLE; its health must say so, so that
Kubernetes' readiness probe takes the pod out of its Service until the database is back (and the
platform's clients try another replica). :class:`DatabaseHealthWatcher` is a daemon thread that
opens a fresh connection to the service's database every ``health_check_seconds`` (a pooled one
could hide a server that accepts no new sessions), runs ``SELECT 1`` and sets the ``database``
condition of the api's :class:`~crm_chassis.grpc.health_gate.HealthGate`, which turns every
service of the standard gRPC health servicer (and "") SERVING or NOT_SERVING. Changes are logged
once.

Liveness stays separate: the health service named ``liveness`` is SERVING as long as the process
runs (NOT_SERVING only in a graceful shutdown), whatever the database does; Kubernetes' liveness
probe asks for it, so a database outage takes pods out of service without restarting them (the
process recovers on its own when the database returns).

SQLite (``make run``) is a local file: nothing to watch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from grpc_health.v1 import health_pb2
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crm_chassis.grpc.health_gate import HealthGate
from crm_chassis.logging import get_logger

log = get_logger("crm.grpc.health")

LIVENESS_SERVICE = "liveness"  # the health service name of "the process answers"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class DatabaseHealthWatcher:
    """``gate`` None: only :attr:`reachable` is kept (a worker's /healthz reads it)."""

    def __init__(
        self,
        database_url: str,
        gate: HealthGate | None,
        interval_seconds: float = 5.0,
        connect_timeout_seconds: int = 3,
    ) -> None:
        self._engine = create_engine(
            database_url,
            poolclass=NullPool,
            connect_args={"connect_timeout": connect_timeout_seconds},
        )
        self._gate = gate
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-health", daemon=True)
        self.reachable: bool | None = None

    @classmethod
    def for_settings(cls, settings: Any, gate: HealthGate | None) -> DatabaseHealthWatcher | None:
        url = getattr(settings, "database_url", "")
        interval = getattr(settings, "health_check_seconds", 0)
        if not url or interval <= 0 or make_url(url).get_backend_name() == "sqlite":
            return None
        return cls(url, gate, interval)

    def start(self) -> DatabaseHealthWatcher:
        self._thread.start()
        return self

    def check(self) -> bool:
        """Ping once and set the health status; returns whether the database answered."""
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            reachable, reason = True, ""
        except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
            reachable, reason = False, exc.__class__.__name__
        if reachable != self.reachable:
            if reachable:
                log.info("database_reachable", health="SERVING")
            else:
                log.warning("database_unreachable", health="NOT_SERVING", error=reason)
        self.reachable = reachable
        if self._gate is not None:
            self._gate.set("database", reachable)
        return reachable

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 5)
        self._engine.dispose()


def watch_database(
    settings: Any, gate: HealthGate, on_stop: Callable[[], None] | None
) -> Callable[[], None] | None:
    """For the server bootstrap: start watching (when there is a database to watch) and return
    the server's ``on_stop`` extended to stop the watcher first."""
    watcher = DatabaseHealthWatcher.for_settings(settings, gate)
    if watcher is None:
        return on_stop
    watcher.check()
    watcher.start()

    def stop_watching_then(on_stop: Callable[[], None] | None = on_stop) -> None:
        watcher.stop()
        if on_stop is not None:
            on_stop()

    return stop_watching_then
