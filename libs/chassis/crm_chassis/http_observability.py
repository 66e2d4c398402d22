"""RED metrics and access logs of a web process (an ASGI app), as the gRPC chain gives them to
the apis: requests by route template, method and status, their duration, and one JSON log line
per request carrying its request id (bound in :mod:`crm_chassis.context`, so the calls it makes
to other services carry the same ``x-request-id`` and ``traceparent``).

Plain ASGI (no web framework import): ``app = HttpObservability(app, route_of=...)``.
``route_of(scope)`` names the route for the labels (a template such as ``/leads/{lead_id}``,
never the raw path, so ids do not explode the metric's series); the default reads the
``route`` that Starlette's router leaves in the scope.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import Counter, Histogram

from crm_chassis import context as _context
from crm_chassis.logging import get_logger

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its last response byte, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"
_log = get_logger("crm.http.access")


def starlette_route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


class HttpObservability:
    def __init__(self, app: AsgiApp, *, route_of: Callable[[Scope], str] = starlette_route):
        self.app = app
        self.route_of = route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id")[:64]
        traceparent = _header(scope, b"traceparent")
        if not traceparent:
            traceparent, trace_id = _context.new_traceparent()
        else:
            trace_id = _context.trace_id_of(traceparent)
        ctx = _context.RequestContext(traceparent=traceparent, trace_id=trace_id)
        if request_id:
            ctx = _context.RequestContext(
                request_id=request_id, traceparent=traceparent, trace_id=trace_id
            )
        token = _context.bind(ctx)
        status = [500]
        started = time.perf_counter()

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", ctx.request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - started
            route, method = self.route_of(scope), scope.get("method", "")
            REQUESTS.labels(route, method, str(status[0])).inc()
            DURATION.labels(route, method).observe(elapsed)
            _log.info(
                "http request",
                method=method,
                route=route,
                status=status[0],
                duration_ms=round(elapsed * 1000, 2),
            )
            _context.reset(token)
