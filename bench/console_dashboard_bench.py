"""console: server time of the dashboard pages, in-process through the console's whole ASGI
stack (observability, security headers, session cookies, the page, the chart descriptions,
Jinja) on the unit tests' fakes (services/console/tests/unit/conftest.py), with reporting's
answers the size of a company of 1,000,000 deals' aggregates: counts in the hundreds of
thousands, 36 close periods x 3 forecast categories x 2 currencies, 50 teams' targets, the 50
slowest deals. reporting's own cost is bench/reporting_dashboard_bench.py; each listed call is one gRPC
round trip in production. The floor, measured in the same run, is an empty response from a
route added to the same app (same middleware, no page).

Each figure: CONSOLE_BENCH_CALLS requests (default 200) after a warm-up, timed around the ASGI
call. Target: dashboard page p95 <= 100 ms.

    .venv/bin/python -m bench.console_dashboard_bench   (or: .venv/bin/python -m bench.run console_dashboard)
    CONSOLE_BENCH_LANG=fa ... the same pages in Persian (right to left, Persian digits).
"""

from __future__ import annotations

import collections
import contextlib
import io
import re

from starlette.routing import Route
from starlette.testclient import TestClient

from bench.console_board_bench import CALLS, LANGUAGE, Counted, _empty, _fakes, _measure
from crm_console.domain.reports import TeamScope
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app
from crm_console.service_layer.dependencies import Dependencies

DEALS = 1_000_000
# dashboard_figures scales its counts by ``size``: 29 open deals and 50 created per unit.
SIZE = DEALS // 50
TARGET_P95_MS = 100.0
PAGES = (
    ("dashboard overview", "/dashboards"),
    ("forecast page", "/dashboards/forecast"),
    ("targets page", "/dashboards/targets"),
    ("leaderboard page", "/dashboards/leaderboard"),
)
NOTES = (
    "Command: `.venv/bin/python -m bench.console_dashboard_bench` (or `-m bench.run "
    "console_dashboard`; `CONSOLE_BENCH_LANG=fa` for Persian). In-process on the console's "
    "unit-test fakes, reporting answering with the aggregates of 1,000,000 deals (216 forecast "
    "rows, 72 forecast totals, 50 targets, 50 slow deals): the console's own milliseconds; "
    "`reporting.scopes` is territory's ListScopes (the port's one call to territory); "
    "reporting's own cost is in its section (bench.reporting_dashboard_bench)."
)


def run() -> dict:
    fakes = _fakes()
    calls: collections.Counter[str] = collections.Counter()
    identity = fakes.FakeIdentity()
    reporting = fakes.FakeReporting(identity)
    deps = Dependencies(
        identity=Counted("identity", identity, calls),
        leads=fakes.FakeLeads(identity),
        deals=fakes.FakeDeals(identity),
        catalog=fakes.FakeCatalog(),
        organisation=fakes.FakeOrganisation(identity),
        reporting=Counted("reporting", reporting, calls),
        clock=fakes.FixedClock(fakes.NOW),
    )
    app = build_app(ConsoleSettings.load("console", {"CRM_ENV": "test"}), deps)
    app.router.routes.insert(0, Route("/bench-floor", _empty, methods=["GET"]))
    person = identity.add("mia@example.com", "Mia")
    reporting.team_scopes[person.user_id] = (
        TeamScope("team-1", "supervisor"),
        TeamScope("team-2", "manager", "west"),
    )
    reporting.figures[("unit", "west")] = fakes.dashboard_figures("2026-12", SIZE)
    measured = {}
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
        for name, path in PAGES:
            measured[name] = _measure(app, path, cookie, calls)
    rows = [
        ("floor (empty response, same stack) p50", round(floor["p50"], 2), "ms", ""),
        ("floor p95", round(floor["p95"], 2), "ms", f"{CALLS} requests"),
    ]
    for name, figures in measured.items():
        rows.append((f"{name} p50", round(figures["p50"], 1), "ms", ""))
        rows.append((f"{name} p95", round(figures["p95"], 1), "ms", f"calls: {figures['calls']}"))
    overview = measured["dashboard overview"]
    return {
        "title": f"console: dashboards over {DEALS:,} deals' aggregates, server time ({LANGUAGE})",
        "rows": rows,
        "checks": [(f"dashboard p95 <= {TARGET_P95_MS:.0f} ms", overview["p95"] <= TARGET_P95_MS)],
        "notes": NOTES,
    }


if __name__ == "__main__":
    result = run()
    print(result["title"])
    for name, value, unit, note in result["rows"]:
        print(f"  {name:42} {value:>9} {unit:3} {note}")
    for check, passed in result["checks"]:
        print(f"  {'PASS' if passed else 'FAIL'} {check}")
