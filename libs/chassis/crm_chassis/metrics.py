"""Prometheus metrics: every process serves /metrics on its own port (``metrics_port``).

Metric objects live next to the code they measure (outbox, messaging, grpc) and register on the
default registry; this module only starts the endpoint, once per process.
"""
from __future__ import annotations

import threading

from prometheus_client import start_http_server

_started: dict[int, object] = {}
_lock = threading.Lock()


def start_metrics_server(port: int, host: str = "127.0.0.1") -> None:
    """Serve /metrics on ``host:port`` in a daemon thread; a port of 0 means no endpoint."""
    if not port:
        return
    with _lock:
        if port in _started:
            return
        _started[port] = start_http_server(port, addr=host)


def stop_metrics_server(port: int) -> None:
    """Stop the endpoint on ``port`` (tests, and processes that restart their endpoint)."""
    with _lock:
        started = _started.pop(port, None)
    if started is None:
        return
    server = started[0] if isinstance(started, tuple) else started
    server.shutdown()
    server.server_close()
