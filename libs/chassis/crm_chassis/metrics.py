"""Prometheus metrics: every process serves /metrics on its own port (``metrics_port``).

Metric objects live next to the code they measure (outbox, messaging, grpc) and register on the
default registry; this module only starts the endpoint, once per process.

The same endpoint answers ``/healthz``: 200 when every check registered with
:func:`register_health_check` passes, 503 otherwise, with a JSON body naming each check's verdict
(a relay registers "database" and "broker"). Kubernetes' readiness probes of the processes
without a gRPC API use it; their liveness probes use /metrics (the process answers at all).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import start_http_server

_started: dict[int, Any] = {}
WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
_lock = threading.Lock()
_health_checks: dict[str, Callable[[], bool]] = {}

HEALTH_PATH = "/healthz"


def register_health_check(name: str, check: Callable[[], bool]) -> None:
    """Add (or replace) a check of /healthz: ``check()`` True means healthy."""
    _health_checks[name] = check


def unregister_health_check(name: str) -> None:
    _health_checks.pop(name, None)


def health_report() -> tuple[bool, dict[str, bool]]:
    """(all healthy, verdict per check); a check that raises counts as unhealthy."""
    verdicts = {}
    for name, check in list(_health_checks.items()):
        try:
            verdicts[name] = bool(check())
        except Exception:  # noqa: BLE001 - a failing check is an unhealthy one
            verdicts[name] = False
    return all(verdicts.values()), verdicts


def _with_health(app: WsgiApp) -> WsgiApp:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return app(environ, start_response)
        healthy, verdicts = health_report()
        body = json.dumps({"healthy": healthy, "checks": verdicts}).encode()
        start_response(
            "200 OK" if healthy else "503 Service Unavailable",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return serve


def start_metrics_server(port: int, host: str = "127.0.0.1") -> None:
    """Serve /metrics on ``host:port`` in a daemon thread; a port of 0 means no endpoint."""
    if not port:
        return
    with _lock:
        if port in _started:
            return
        _started[port] = started = start_http_server(port, addr=host)
        server = started[0] if isinstance(started, tuple) else started
        server.set_app(_with_health(server.get_app()))  # type: ignore[arg-type]  # set by start_http_server


def stop_metrics_server(port: int) -> None:
    """Stop the endpoint on ``port`` (tests, and processes that restart their endpoint)."""
    with _lock:
        started = _started.pop(port, None)
    if started is None:
        return
    server = started[0] if isinstance(started, tuple) else started
    server.shutdown()
    server.server_close()
