"""A web process's RED metrics and access log (crm_chassis.http_observability) on a tiny ASGI
app: requests counted by route template (never the raw path), status and method; the request
id bound while the request runs and returned to the caller."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from crm_chassis import context
from crm_chassis.http_observability import HttpObservability


class Route:
    path = "/leads/{lead_id}"


async def app(scope, receive, send):
    scope["route"] = Route()
    seen = context.current().request_id
    status = 404 if scope["path"].endswith("missing") else 200
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": seen.encode()})


def call(path: str, headers=()):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": list(headers)}
    asyncio.run(HttpObservability(app)(scope, receive, send))
    return sent


def count(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "http_requests_total", {"route": route, "method": "GET", "status": status}
    )
    return value or 0.0


def test_requests_are_counted_by_route_template_and_status_with_their_request_id():
    before_ok, before_missing = count("/leads/{lead_id}", "200"), count("/leads/{lead_id}", "404")
    sent = call("/leads/abc", headers=[(b"x-request-id", b"req-42")])
    call("/leads/missing")
    assert count("/leads/{lead_id}", "200") == before_ok + 1
    assert count("/leads/{lead_id}", "404") == before_missing + 1
    assert (
        REGISTRY.get_sample_value(
            "http_requests_total", {"route": "/leads/abc", "method": "GET", "status": "200"}
        )
        is None
    )
    start, body = sent
    assert (b"x-request-id", b"req-42") in start["headers"]
    assert body["body"] == b"req-42"  # bound while the app ran
    assert context.peek() is None  # and unbound after
