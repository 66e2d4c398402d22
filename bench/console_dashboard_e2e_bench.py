"""console: the manager's dashboard page end to end over 1,000,000 deals: the console's whole ASGI
stack (in-process, timed around the ASGI call as bench.console_board_bench does) with its real
reporting gateway making the page's Dashboard round trip over gRPC to reporting's API (its own
process, production wiring: the SQL unit of work and the access replica, a static token key in
place of identity) on the PostgreSQL read model bench.reporting_dashboard_bench seeds (1,000,000
deals of one sales line over 200 teams).

The person is a manager of all 200 teams (in reporting's access replica) and opens the overview
for the sales line and a quarter. territory's ListScopes, the page's one call to territory for the
scope choices, and the names of teams and people come from the console's unit-test fakes
(territory's own costs are in its sections). Measured in the same run: the floor (an empty
response through the same stack), the Dashboard round trip alone through the console's gateway,
and the whole page. Target: the dashboard page's server time p95 <= 100 ms.

    .venv/bin/python -m bench.run console_dashboard_e2e   (or: .venv/bin/python -m bench.console_dashboard_e2e_bench)
    REPORTING_BENCH_DATABASE=NAME keeps the seeded database between runs (bench.reporting_dashboard_bench);
    REPORTING_BENCH_DEALS (default 1,000,000) a smaller one; CONSOLE_BENCH_CALLS (default 100) requests each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from typing import Any

import grpc
from starlette.routing import Route

from bench.console_board_bench import _empty, _fakes, _serve_once
from bench.reporting_dashboard_bench import SIZES, TEAMS, seeded_database
from bench.servers import serving_child
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.gc_tuning import tune_for_service
from crm_console.adapters.reporting_grpc import ReportingGateway
from crm_console.domain.reports import ReportPeriod, ReportScope, TeamScope
from crm_console.domain.session import Person, Session, Tokens
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app
from crm_console.service_layer.dependencies import Dependencies
from crm_testkit.auth import TestKeys

CALLS = int(os.environ.get("CONSOLE_BENCH_CALLS", "100"))
DEALS = SIZES[-1]
TARGET_P95_MS = 100.0
USER = "bench-manager"
LINE, QUARTER_DAY = "line-1", "2026-02-10"
PAGE = f"/dashboards?scope=sales_line:{LINE}&line={LINE}&period=quarter&date={QUARTER_DAY}"
NOTES = (
    "Command: `REPORTING_BENCH_DATABASE=crm_bench .venv/bin/python -m bench.run "
    "console_dashboard_e2e`. The console in-process (ASGI, timed around the call) with its real "
    "reporting gateway; reporting's API in its own process (production wiring, access replica) "
    "on the read model bench.reporting_dashboard_bench seeds; the person manages the line's 200 "
    "teams and opens the overview of the line for 2026-Q1. The page makes one Dashboard round "
    "trip; territory's ListScopes and the names come from the console's fakes. 'CPU per page' is "
    "the console process's CPU time (user + system) over the page series divided by the pages; "
    "reporting's is its process's CPU over the same series (the Dashboard calls of the pages). "
    "All processes share the machine's two cores with the database and with whatever else runs "
    "on it: the wall-clock figures move with the load, the CPU ones much less."
)


class RealReportsFakeScopes:
    """The console's real reporting gateway, with territory's ListScopes (the scope choices)
    answered from a list: reporting's own access decision is what the figures go through."""

    def __init__(self, gateway: ReportingGateway, scopes: tuple[TeamScope, ...]) -> None:
        self._gateway, self._scopes = gateway, scopes

    def scopes(self, token: str, user_id: str) -> tuple[TeamScope, ...]:
        return self._scopes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)


def _grant_manager(database_url: str) -> None:
    """The bench person a manager of every team, in reporting's access replica."""
    from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            grants = [Grant(f"t{i}", "manager", "membership") for i in range(1, TEAMS + 1)]
            apply_user_access_changed(session, user_access_changed_message(USER, 1, grants))
            session.commit()
    finally:
        engine.dispose()


def serve() -> None:
    """The api process of the bench: production wiring, a static verification key."""
    from crm_chassis.auth import StaticKeySource, TokenVerifier, public_key_from_pem
    from crm_chassis.logging import configure_logging
    from crm_reporting.entrypoints import api
    from crm_reporting.entrypoints import settings as settings_module

    settings = settings_module.load()
    configure_logging(settings)
    with open(os.environ["BENCH_PUBLIC_KEY_PEM_FILE"]) as fh:
        public_key = public_key_from_pem(fh.read())
    verifier = TokenVerifier(
        StaticKeySource({os.environ["BENCH_KEY_ID"]: public_key}),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
    )
    running = api.start(settings, verifier=verifier)
    tune_for_service()  # as the api process does once serving (crm_chassis.gc_tuning)
    print(f"PORT {running.port}", flush=True)
    sys.stdin.read()  # runs until the bench closes our stdin
    running.stop(0)


@contextlib.contextmanager
def reporting_server(database_url: str, keys: TestKeys):
    with tempfile.TemporaryDirectory(prefix="reporting-bench-") as tmp:
        pem_file = os.path.join(tmp, "public.pem")
        with open(pem_file, "w") as fh:
            fh.write(keys.public_pem)
        env = dict(
            os.environ,
            CRM_REPORTING_DATABASE_URL=database_url,
            CRM_REPORTING_GRPC_PORT="0",
            CRM_REPORTING_METRICS_PORT="0",
            CRM_LOG_LEVEL="WARNING",
            BENCH_PUBLIC_KEY_PEM_FILE=pem_file,
            BENCH_KEY_ID=keys.kid,
        )
        argv = ["-m", "bench.console_dashboard_e2e_bench", "--serve"]
        with serving_child(argv, env, "reporting api") as address:
            yield address


def _cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process, or of the child ``pid`` (from /proc)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _times(measure: Any, reporting_pid: int) -> dict[str, float]:
    for _ in range(5):
        measure()  # warm: templates compiled, plans cached, channel connected
    own, theirs = _cpu_seconds(), _cpu_seconds(reporting_pid)
    times = sorted(measure() for _ in range(CALLS))
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        "cpu": (_cpu_seconds() - own) * 1000 / CALLS,
        "reporting_cpu": (_cpu_seconds(reporting_pid) - theirs) * 1000 / CALLS,
    }


def run() -> dict:
    fakes = _fakes()
    keys = TestKeys()
    token = keys.token(USER, "user", departments=["sales"], display_name="Manager")
    load_at_start = os.getloadavg()[0]
    with seeded_database(DEALS) as (url, seeded):
        _grant_manager(url)
        with (
            reporting_server(url, keys) as address,
            grpc.insecure_channel(address) as channel,
        ):
            gateway = ReportingGateway(channel, channel, 10.0)
            scopes = tuple(TeamScope(f"t{i}", "manager") for i in range(1, TEAMS + 1))
            identity = fakes.FakeIdentity()
            person = Person(USER, "manager@bench.example", "Manager")
            identity.people[person.email] = person  # the names the page asks territory for
            identity.owners[token] = USER
            deps = Dependencies(
                identity=identity,
                leads=fakes.FakeLeads(identity),
                deals=fakes.FakeDeals(identity),
                catalog=fakes.FakeCatalog(),
                organisation=fakes.FakeOrganisation(identity),
                reporting=RealReportsFakeScopes(gateway, scopes),
            )
            app = build_app(ConsoleSettings.load("console", {"CRM_ENV": "test"}), deps)
            tune_for_service()  # as the web process does once built (crm_chassis.gc_tuning)
            app.router.routes.insert(0, Route("/bench-floor", _empty, methods=["GET"]))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            session = Session(
                person,
                Tokens(token, later, "refresh-unused", later),
                "bench-csrf",
            )
            cookie = f"crm_session={app.state.console.vault.seal(session)}; crm_lang=en"
            scope = ReportScope("sales_line", LINE, LINE)
            period = ReportPeriod("quarter", dt.date.fromisoformat(QUARTER_DAY))
            board = gateway.dashboard(token, scope, period)
            assert board.win_rate.won, "the manager sees no won deal: scope not applied"
            pid = address.pid
            with contextlib.redirect_stdout(io.StringIO()):
                floor = _times(lambda: _serve_once(app, "/bench-floor", cookie), pid)
                alone = _times(
                    lambda: _timed_ms(lambda: gateway.dashboard(token, scope, period)), pid
                )
                page = _times(lambda: _serve_once(app, PAGE, cookie), pid)
    loads = f"load average {load_at_start:.1f} -> {os.getloadavg()[0]:.1f}"
    rows: list[tuple[str, Any, str, str]] = [
        ("deals in the read model", DEALS, "", f"{TEAMS} teams, one line; won in 2026-Q1: "
         f"{board.win_rate.won:,}"),
        ("seed", "kept" if seeded is None else round(seeded, 1), "" if seeded is None else "s",
         "REPORTING_BENCH_DATABASE" if seeded is None else "server-side"),
        ("floor (empty response, same stack) p50 / p95", _pair(floor), "ms", loads),
        ("Dashboard alone (gateway, gRPC) p50 / p95", _pair(alone), "ms", f"{CALLS} calls"),
        ("dashboard page p50 / p95", _pair(page), "ms", PAGE),
        ("dashboard page CPU per page: console / reporting", _cpu_pair(page), "ms",
         "process CPU over the series / pages"),
        ("Dashboard alone CPU per call: console / reporting", _cpu_pair(alone), "ms", ""),
    ]  # fmt: skip
    return {
        "title": f"console: manager dashboard end to end over {DEALS:,} deals "
        "(console + reporting's Dashboard, PostgreSQL)",
        "rows": rows,
        "checks": [(f"dashboard page p95 <= {TARGET_P95_MS:.0f} ms", page["p95"] <= TARGET_P95_MS)],
        "notes": NOTES,
    }


def _timed_ms(call: Any) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def _pair(figures: dict[str, float]) -> str:
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}"


def _cpu_pair(figures: dict[str, float]) -> str:
    return f"{figures['cpu']:.1f} / {figures['reporting_cpu']:.1f}"


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        result = run()
        print(result["title"])
        for name, value, unit, note in result["rows"]:
            print(f"  {name:52} {value!s:>14} {unit:3} {note}")
        for check, passed in result["checks"]:
            print(f"  {'PASS' if passed else 'FAIL'} {check}")
