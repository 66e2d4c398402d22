"""console: server time of the pipeline board with 500 open deals and of the lead search page,
in-process through the console's whole ASGI stack (observability, security headers, session
cookies, the page, Jinja) on the unit tests' fakes of identity, leads and deals
(services/console/tests/unit/conftest.py), so the figure is the console's own cost: the gRPC
round trips it adds in production are counted per page (deals' and leads' own costs are
bench/deals_api_bench.py and bench/leads_search_bench.py). The floor, measured in the same run,
is an empty response from a route added to the same app (same middleware, no page).

Each figure: CONSOLE_BENCH_CALLS requests (default 200) after a warm-up, timed around the ASGI
call. Target: board p95 <= 100 ms with 500 open deals.

    .venv/bin/python -m bench.console_board_bench      (or: .venv/bin/python -m bench.run console_board)
    CONSOLE_BENCH_LANG=fa ... the same pages in Persian (right to left, Persian digits).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib.util
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app
from crm_console.service_layer.dependencies import Dependencies

CALLS = int(os.environ.get("CONSOLE_BENCH_CALLS", "200"))
LANGUAGE = os.environ.get("CONSOLE_BENCH_LANG", "en")
DEALS, LEADS = 500, 50
TARGET_P95_MS = 100.0
NOTES = (
    "Command: `.venv/bin/python -m bench.console_board_bench` (or `-m bench.run console_board`; "
    "`CONSOLE_BENCH_LANG=fa` for the Persian pages). In-process on the console's unit-test fakes "
    "(`services/console/tests/unit/conftest.py`), timed around the ASGI call: the console's own "
    "milliseconds, each listed call one gRPC round trip in production (deals' and leads' own "
    "costs are in their sections). Before the per-column formatting of the cards "
    "(`entrypoints/board_view.py`, cached money formats in `entrypoints/i18n.py`; see "
    "docs/console.md, Board speed) the columns template alone took 127-197 ms for 500 cards on "
    "this machine and the board page 242 ms p50."
)
FAKES = Path(__file__).resolve().parent.parent / "services/console/tests/unit/conftest.py"


def _fakes() -> Any:
    spec = importlib.util.spec_from_file_location("console_bench_fakes", FAKES)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Counted:
    """A fake port that counts the calls a page makes (each one a gRPC call in production)."""

    def __init__(self, name: str, port: object, calls: collections.Counter[str]) -> None:
        self._name, self._port, self._calls = name, port, calls

    def __getattr__(self, method: str) -> Any:
        found = getattr(self._port, method)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._name}.{method}"] += 1
            return found(*args, **kwargs)

        return call


async def _empty(request: object) -> Response:
    return Response(b"")


def _serve_once(app: Any, path: str, cookie: str) -> float:
    """Milliseconds around one ASGI request (the server's time: no client, no socket)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "server": ("console.test", 443),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"console.test"), (b"cookie", cookie.encode())],
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    async def once() -> float:
        began = time.perf_counter()
        await app(scope, receive, send)
        return (time.perf_counter() - began) * 1000

    took = asyncio.run(once())
    assert status == [200], (path, status)
    return took


def _measure(app: Any, path: str, cookie: str, calls: collections.Counter[str]) -> dict[str, Any]:
    for _ in range(5):
        _serve_once(app, path, cookie)  # warm: templates compiled, caches filled
    calls.clear()
    times = sorted(_serve_once(app, path, cookie) for _ in range(CALLS))
    per_page = {name: count // CALLS for name, count in sorted(calls.items())}
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        "calls": ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in per_page.items()) or "none",
    }


def run() -> dict:
    fakes = _fakes()
    calls: collections.Counter[str] = collections.Counter()
    identity = fakes.FakeIdentity()
    leads, deals = fakes.FakeLeads(identity), fakes.FakeDeals(identity)
    deps = Dependencies(
        identity=Counted("identity", identity, calls),
        leads=Counted("leads", leads, calls),
        deals=Counted("deals", deals, calls),
        catalog=fakes.FakeCatalog(),
        organisation=fakes.FakeOrganisation(identity),
        clock=fakes.FixedClock(fakes.NOW),
    )
    app = build_app(ConsoleSettings.load("console", {"CRM_ENV": "test"}), deps)
    app.router.routes.insert(0, Route("/bench-floor", _empty, methods=["GET"]))
    person = identity.add("ann@example.com", "Ann")
    deals.teams["team-1"] = leads.teams["team-1"] = {person.user_id}
    for n in range(DEALS):  # over the first two stages, a spread of amounts
        deals.add(f"d{n}", fakes.STAGES[n % 2].key, f"{1000 + n * 37}.{n % 100:02d}")
    for n in range(LEADS):
        leads.leads[f"l{n}"] = fakes.lead(f"l{n}", person.user_id)
    with (
        contextlib.redirect_stdout(io.StringIO()),
        TestClient(app, base_url="https://console.test") as client,
    ):
        form = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        client.post(
            "/sign-in",
            data={"csrf_token": token.group(1), "email": person.email, "password": fakes.PASSWORD},
        )
        client.cookies.set("crm_lang", LANGUAGE)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        floor = _measure(app, "/bench-floor", cookie, calls)
        board = _measure(app, "/board/line-1", cookie, calls)
        search = _measure(app, "/leads?status=new", cookie, calls)
    return {
        "title": f"console: board with {DEALS} open deals and lead search, server time ({LANGUAGE})",
        "rows": [
            ("floor (empty response, same stack) p50", round(floor["p50"], 2), "ms", ""),
            ("floor p95", round(floor["p95"], 2), "ms", f"{CALLS} requests"),
            ("board p50", round(board["p50"], 1), "ms", f"{DEALS} cards"),
            ("board p95", round(board["p95"], 1), "ms", f"calls: {board['calls']}"),
            ("lead search p50", round(search["p50"], 1), "ms", f"{LEADS} leads shown"),
            ("lead search p95", round(search["p95"], 1), "ms", f"calls: {search['calls']}"),
        ],
        "checks": [(f"board p95 <= {TARGET_P95_MS:.0f} ms", board["p95"] <= TARGET_P95_MS)],
        "notes": NOTES,
    }


if __name__ == "__main__":
    result = run()
    print(result["title"])
    for name, value, unit, note in result["rows"]:
        print(f"  {name:42} {value:>9} {unit:3} {note}")
    for check, passed in result["checks"]:
        print(f"  {'PASS' if passed else 'FAIL'} {check}")
