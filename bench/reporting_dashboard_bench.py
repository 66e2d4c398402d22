"""reporting: the manager dashboard (funnel, win rate, cycle, velocity, forecast, targets for one
sales line and quarter) over a large read model, in-process on PostgreSQL with the production
wiring (SQL unit of work; a fixed scope reader instead of the replica, whose cost is
bench/revocation_bench.py), no gRPC.

The read model is seeded server-side (``INSERT ... SELECT generate_series``): REPORTING_BENCH_DEALS
deals (default 1,000,000) over 200 teams of 20 units in one sales line and pipeline, created
over two years, 60 % closed (won 2 : lost 1), one stage stay each (3-17 days, cycles 20-60 days,
spread to the minute); the manager reports on every team. The running totals (``deal_totals``, domain/totals.py) are loaded from those facts by
``INSERT ... SELECT ... GROUP BY`` statements that follow the contributions' definitions (the
derivation writes them event by event in production; at REPORTING_BENCH_DEALS <= 20,000 the bench
checks the loaded totals equal ``totals.summed`` over the facts). Figures: the seed's rate, the
floor (a unit of work running ``SELECT 1``, the same session and pool, in the same run), and the
dashboard's median and p99 over REPORTING_BENCH_CALLS calls (the target: p99 <= 50 ms at
1,000,000 deals). Sizes: REPORTING_BENCH_DEALS=10000 / 100000 / 1000000, or the growth curve in
one run: REPORTING_BENCH_DEALS=10000,100000,1000000. The per-read rows time
each store read the dashboard makes (its median over the calls, in the same run).

REPORTING_BENCH_DATABASE=NAME keeps the seeded database between runs: the size's database is
NAME_<deals>, created, migrated and seeded on the first run and only migrated on the next ones
(seeding 1,000,000 deals takes minutes); drop it by hand when done. Without it, each run seeds a
throw-away database.

    .venv/bin/python -m bench.reporting_dashboard_bench     (or: -m bench.run reporting_dashboard)
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_chassis.gc_tuning import tune_for_service
from crm_reporting import migrate
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.entrypoints.settings import load
from crm_reporting.entrypoints.wiring import build_dependencies
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.ports import ScopeReader
from crm_testkit import temporary_postgres_database
from crm_testkit.infrastructure import PG_ADMIN_URL

#: one size or a growth curve: REPORTING_BENCH_DEALS=10000,100000,1000000
SIZES = [int(n) for n in os.environ.get("REPORTING_BENCH_DEALS", "1000000").split(",")]
CALLS = int(os.environ.get("REPORTING_BENCH_CALLS", "50"))
KEPT_DATABASE = os.environ.get("REPORTING_BENCH_DATABASE", "")
TEAMS, UNITS = 200, 20
TARGET_P99_MS = 50.0

_UTC_DAY = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
_TOTALS = (
    "INSERT INTO deal_totals (kind, team_id, grain, day, sales_line_id, pipeline_id, stage_key, "
    "status, currency, detail, probability, deals, valued, value_micros, entered, length_micros) "
)
# One statement per kind and grain, following domain/totals.py's contributions for these facts.
TOTALS_SEED = [
    _TOTALS + "SELECT 'open_stage', team_id, '', '', sales_line_id, pipeline_id, stage_key, '', "
    "currency, '', 0, count(*), count(value_micros), coalesce(sum(value_micros), 0), "
    "count(stage_entered_at), 0 FROM deal_facts WHERE status = 'open' "
    "GROUP BY team_id, sales_line_id, pipeline_id, stage_key, currency",
    *(
        _TOTALS + f"SELECT 'open_close', team_id, '{grain}', {day}, sales_line_id, '', '', '', "
        "currency, forecast_category, probability, count(*), count(value_micros), "
        f"coalesce(sum(value_micros), 0), 0, 0 FROM deal_facts WHERE status = 'open' AND {where} "
        f"GROUP BY team_id, {day}, sales_line_id, currency, forecast_category, probability"
        for grain, day, where in (
            ("d", "coalesce(estimated_close_date, '')", "true"),
            ("m", "substr(estimated_close_date, 1, 7)", "estimated_close_date IS NOT NULL"),
        )
    ),
    *(
        _TOTALS + f"SELECT 'closed', team_id, '{grain}', {day}, sales_line_id, '', '', status, "
        "currency, '', 0, count(*), count(value_micros), coalesce(sum(value_micros), 0), 0, "
        "coalesce(sum(CASE WHEN status = 'won' THEN greatest(0, floor(extract(epoch FROM "
        "closed_at - created_at) * 1000000)) END), 0) "
        "FROM deal_facts WHERE status <> 'open' AND close_date IS NOT NULL "
        f"GROUP BY team_id, {day}, sales_line_id, status, currency"
        for grain, day in (("d", "close_date"), ("m", "substr(close_date, 1, 7)"))
    ),
    *(
        _TOTALS + f"SELECT 'created', team_id, '{grain}', day, sales_line_id, pipeline_id, "
        "stage_key, status, currency, stayed, 0, count(*), 0, 0, 0, 0 FROM (SELECT d.*, "
        f"substr({_UTC_DAY.format('d.created_at')}, 1, {width}) AS day, coalesce((SELECT "
        "string_agg(DISTINCT s.stage_key, '|' ORDER BY s.stage_key) FROM stage_stays s "
        "WHERE s.deal_id = d.deal_id), '') AS stayed FROM deal_facts d) c "
        "GROUP BY team_id, day, sales_line_id, pipeline_id, stage_key, status, currency, stayed"
        for grain, width in (("d", 10), ("m", 7))
    ),
    *(
        _TOTALS
        + f"SELECT 'ended', team_id, '{grain}', day, sales_line_id, '', '', '', "
        "currency, '', 0, count(*), 0, 0, 0, 0 FROM (SELECT *, CASE WHEN closed_at IS NULL "
        f"THEN '' ELSE substr({_UTC_DAY.format('greatest(created_at, closed_at)')}, 1, {width}) "
        "END AS day FROM deal_facts) e WHERE {} "
        "GROUP BY team_id, day, sales_line_id, currency".format(
            "true" if grain == "d" else "closed_at IS NOT NULL"
        )
        for grain, width in (("d", 10), ("m", 7))
    ),
    *(
        _TOTALS + f"SELECT 'open_entered', team_id, '{grain}', day, sales_line_id, pipeline_id, "
        "stage_key, '', currency, '', 0, count(*), 0, 0, 0, 0 FROM (SELECT *, "
        f"substr({_UTC_DAY.format('stage_entered_at')}, 1, {width}) AS day FROM deal_facts "
        "WHERE status = 'open' AND stage_entered_at IS NOT NULL) e "
        "GROUP BY team_id, day, sales_line_id, pipeline_id, stage_key, currency"
        for grain, width in (("d", 10), ("m", 7))
    ),
    # Lengths per whole hour (nearest, halves up: figures.length_hours), per day and month.
    *(
        _TOTALS + f"SELECT 'stay', team_id, '{grain}', day, sales_line_id, pipeline_id, "
        "stage_key, '', '', hours, 0, count(*), 0, 0, 0, sum(length) FROM (SELECT *, "
        "floor((length + 1800000000) / 3600000000.0)::bigint::text AS hours FROM (SELECT *, "
        "floor(extract(epoch FROM left_at - entered_at) * 1000000)::bigint AS length, "
        f"substr({_UTC_DAY.format('left_at')}, 1, {width}) AS day FROM stage_stays WHERE "
        "left_at IS NOT NULL) l) h "
        "GROUP BY team_id, day, sales_line_id, pipeline_id, stage_key, hours"
        for grain, width in (("d", 10), ("m", 7))
    ),
    *(
        _TOTALS + f"SELECT 'cycle', team_id, '{grain}', day, sales_line_id, '', '', '', '', "
        "hours, 0, count(*), 0, 0, 0, sum(length) FROM (SELECT *, floor((length + 1800000000) "
        "/ 3600000000.0)::bigint::text AS hours FROM (SELECT *, coalesce(greatest(0, "
        "floor(extract(epoch FROM closed_at - created_at) * 1000000)), 0)::bigint AS length, "
        f"substr(close_date, 1, {width}) AS day FROM deal_facts WHERE status = 'won' AND "
        "close_date IS NOT NULL) l) h GROUP BY team_id, day, sales_line_id, hours"
        for grain, width in (("d", 10), ("m", 7))
    ),
    # The day rows of 'ended' include the never-ending ones (day ''): their grain is ''.
    "UPDATE deal_totals SET grain = '' WHERE day = ''",
    # Every row once more for the whole line (team '*').
    _TOTALS + "SELECT kind, '*', grain, day, sales_line_id, pipeline_id, stage_key, status, "
    "currency, detail, probability, sum(deals), sum(valued), sum(value_micros), sum(entered), "
    "sum(length_micros) FROM deal_totals GROUP BY kind, grain, day, sales_line_id, pipeline_id, "
    "stage_key, status, currency, detail, probability",
    _TOTALS + "SELECT 'teams', team_id, '', '', sales_line_id, '', '', '', '', '', 0, count(*), "
    "0, 0, 0, 0 FROM deal_facts GROUP BY team_id, sales_line_id",
]


SEED = [
    "INSERT INTO org_units (unit_id, parent_id) SELECT 'u' || i, '' FROM generate_series(1, :units) i",
    "INSERT INTO org_teams (team_id, unit_id, active) "
    "SELECT 't' || i, 'u' || (i % :units + 1), true FROM generate_series(1, :teams) i",
    "INSERT INTO pipeline_stages VALUES "
    "('p1', 0, 'line-1', 'qualify', 'Qualify', 14, 10, 'pipeline'),"
    "('p1', 1, 'line-1', 'propose', 'Propose', 21, 40, 'best_case'),"
    "('p1', 2, 'line-1', 'negotiate', 'Negotiate', 10, 70, 'commit')",
    # Deal i: created i minutes apart over ~two years; i % 5 < 3 closed (won unless i % 3 = 0).
    "INSERT INTO deal_facts SELECT 'd' || i, 3, 'p1', 'line-1', 't' || (i % :teams + 1), "
    "'rep' || (i % 2000), (ARRAY['qualify','propose','negotiate'])[i % 3 + 1], "
    "CASE WHEN i % 5 >= 3 THEN 'open' WHEN i % 3 = 0 THEN 'lost' ELSE 'won' END, 'EUR', "
    "(1000 + i % 9000)::bigint * 1000000, CASE WHEN i % 5 >= 3 THEN 40 WHEN i % 3 = 0 THEN 0 ELSE 100 END, "
    "CASE WHEN i % 5 >= 3 THEN 'best_case' ELSE '' END, "
    "to_char(created + interval '60 days', 'YYYY-MM-DD'), created, entered, "
    "CASE WHEN i % 5 >= 3 THEN NULL ELSE closed END, "
    "CASE WHEN i % 5 >= 3 THEN NULL ELSE to_char(closed AT TIME ZONE 'UTC', 'YYYY-MM-DD') END, "
    "CASE WHEN i % 5 < 3 AND i % 3 = 0 THEN 'price' ELSE '' END, '', 0 "
    # Lengths spread to the minute: stays of 3-17 days, cycles of 20-60 days.
    "FROM (SELECT i, created, created + interval '1 minute' * (4320 + (i * 37) % 20160) AS "
    "entered, created + interval '1 minute' * (28800 + (i * 53) % 57600) AS closed FROM "
    "(SELECT i, timestamptz '2025-01-01' + i * interval '1 minute' * (1051200.0 / :deals) "
    "AS created FROM generate_series(1, :deals) i) c) s",
    "INSERT INTO stage_stays SELECT deal_id, created_at, 'qualify', stage_entered_at, team_id, "
    "pipeline_id, sales_line_id FROM deal_facts",
    *TOTALS_SEED,
    "INSERT INTO targets SELECT 'line-1', '2026-Q1', 't' || i, 'EUR', 5000000000000, 400 "
    "FROM generate_series(1, :teams) i",
    "ANALYZE",
]


def _check_totals(engine) -> None:
    """The loaded totals equal the derivation's definition over the facts (small sizes)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from crm_reporting.adapters.orm import deal_facts, deal_totals
    from crm_reporting.adapters.repositories import SqlReadModels
    from crm_reporting.domain import totals

    with Session(engine) as session:
        store = SqlReadModels(session)
        ids = session.execute(select(deal_facts.c.deal_id)).scalars().all()
        expected = totals.summed(store.deal(i) for i in ids)  # type: ignore[misc]
        loaded = {
            totals.TotalKey(**{k: row[k] for k in totals.TotalKey._fields}): totals.Amounts(
                int(row["deals"]),
                int(row["valued"]),
                int(row["value_micros"]),
                int(row["entered"]),
                int(row["length_micros"]),
            )
            for row in session.execute(select(deal_totals)).mappings()
        }
        assert loaded == expected, "the bench's totals seed differs from domain/totals.py"


#: The store reads one dashboard makes (ReportStore), timed one by one.
READS = (
    "read_together",  # the dashboard's grouped reads in one statement (ReportInputs.read_dashboard)
    "open_stage_groups",
    "open_forecast_groups",
    "cohort_groups",
    "ended_stay_figures",
    "closed_groups",
    "won_by_team",
    "won_cycle",
    "won_cycle_mean",
    "open_at_each",
    "oldest_open",
    "pipelines",
    "targets",
)


def _timed_reads(store_class: type, times: dict[str, list[float]]) -> None:
    """Wraps the store's reads so each call's milliseconds are added to ``times``."""
    for name in READS:
        method = getattr(store_class, name)

        def timed(self, *args, __method=method, __name=name, **kwargs):
            began = time.perf_counter()
            try:
                return __method(self, *args, **kwargs)
            finally:
                times.setdefault(__name, []).append((time.perf_counter() - began) * 1000)

        setattr(store_class, name, timed)


class EveryTeam(ScopeReader):
    """The manager: manager of every team (territory's view_reports over the whole line)."""

    def roles_by_team(self, user_id: str) -> dict[str, str]:
        return {f"t{i}": "manager" for i in range(1, TEAMS + 1)}

    def members(self, team_id: str) -> list[tuple[str, str]]:
        return [("manager", "manager")]


@contextlib.contextmanager
def _database(deals: int) -> Iterator[str]:
    """A throw-away database, or the kept one of REPORTING_BENCH_DATABASE for this size."""
    if not KEPT_DATABASE:
        with temporary_postgres_database("reporting_bench") as url:
            yield url
        return
    name = f"{KEPT_DATABASE}_{deals}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        if (
            conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            is None
        ):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _seeded(engine) -> bool:
    """The seed is one transaction: its first table holding rows means all of it is there."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM org_teams LIMIT 1")).first() is not None


@contextlib.contextmanager
def seeded_database(deals: int) -> Iterator[tuple[str, float | None]]:
    """(url, seconds the seed took; None for a kept database seeded by an earlier run), migrated
    to head (bench.console_dashboard_e2e_bench serves reporting's api on it)."""
    with _database(deals) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            started = time.perf_counter()
            if _seeded(engine):
                yield url, None
                return
            with engine.begin() as connection:
                for statement in SEED:
                    connection.execute(
                        text(statement), {"deals": deals, "teams": TEAMS, "units": UNITS}
                    )
            seconds = time.perf_counter() - started
        finally:
            engine.dispose()
        yield url, seconds


def _statements(engine, call) -> int:
    """The statements one call sends to the database."""
    from sqlalchemy import event

    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def _measure(deals: int) -> tuple[list[tuple], float]:
    """The rows of one size (prefixed with it) and its dashboard p99 in ms."""
    load_at_start = os.getloadavg()[0]
    with seeded_database(deals) as (url, seeded):
        engine = make_engine(url)
        if deals <= 20_000:
            _check_totals(engine)
        deps = build_dependencies(load(env={}, database_url=url), engine=engine, scopes=EveryTeam())
        tune_for_service()  # as reporting's api process does once serving (crm_chassis.gc_tuning)
        scope = Scope.of(ScopeKind.SALES_LINE, "line-1", "")
        quarter = resolve(PeriodKind.QUARTER, date="2026-02-10")
        manager = Caller("manager")
        reports.dashboard(deps, manager, scope=scope, period=quarter)  # warm the caches
        floor = []
        for _ in range(CALLS):
            began = time.perf_counter()
            with deps.uow() as uow:
                uow.models.session.execute(text("SELECT 1"))  # type: ignore[attr-defined]
            floor.append((time.perf_counter() - began) * 1000)
        times = []
        cpu_began = time.process_time()
        for _ in range(CALLS):
            began = time.perf_counter()
            board = reports.dashboard(deps, manager, scope=scope, period=quarter)
            times.append((time.perf_counter() - began) * 1000)
        cpu = (time.process_time() - cpu_began) * 1000 / CALLS
        statements = _statements(
            engine, lambda: reports.dashboard(deps, manager, scope=scope, period=quarter)
        )
        from crm_reporting.adapters.repositories import SqlReadModels

        reads: dict[str, list[float]] = {}
        originals = {name: getattr(SqlReadModels, name) for name in READS}
        own = {name for name in READS if name in SqlReadModels.__dict__}
        _timed_reads(SqlReadModels, reads)
        try:
            for _ in range(CALLS):
                reports.dashboard(deps, manager, scope=scope, period=quarter)
        finally:
            for name, method in originals.items():
                if name in own:
                    setattr(SqlReadModels, name, method)
                else:
                    delattr(SqlReadModels, name)
        engine.dispose()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    median = statistics.median(times)
    size = f"{deals:,} deals:"
    loads = f"load average {load_at_start:.1f} -> {os.getloadavg()[0]:.1f}"
    seed_row = (
        (f"{size} seed", "kept", "", f"REPORTING_BENCH_DATABASE={KEPT_DATABASE}")
        if seeded is None
        else (f"{size} seed", round(deals / seeded), "deals/s", f"{seeded:.1f} s, server-side")
    )
    rows = [
        seed_row,
        (f"{size} floor (unit of work, SELECT 1) median", round(statistics.median(floor), 2),
         "ms", loads),
        (f"{size} dashboard median", round(median, 1), "ms", f"{CALLS} calls"),
        (f"{size} dashboard p99", round(p99, 1), "ms", f"won {board.win_rate.won:,} in the quarter"),
        (f"{size} dashboard CPU per call", round(cpu, 1), "ms",
         "this process (Python, driver), over the same calls"),
        (f"{size} dashboard statements per call", statements, "", "BEGIN/ROLLBACK not counted"),
        *(
            (f"{size} read {name} median", round(statistics.median(ms), 2), "ms",
             f"{len(ms)} reads")
            for name, ms in sorted(reads.items(), key=lambda item: -statistics.median(item[1]))
        ),
    ]  # fmt: skip
    return rows, p99


def run() -> dict:
    rows, checks = [], []
    for deals in SIZES:
        measured, p99 = _measure(deals)
        rows.extend(measured)
        if deals >= 1_000_000:
            checks.append(
                (f"dashboard p99 <= {TARGET_P99_MS:.0f} ms at {deals:,} deals", p99 <= 50.0)
            )
    sizes = " / ".join(f"{deals:,}" for deals in SIZES)
    return {
        "title": f"reporting: manager dashboard over {sizes} deals (one line, one quarter)",
        "rows": rows,
        "checks": checks,
        "notes": "Growth curve: the sizes run one after the other in one run (one database "
        "each); the load average of the shared machine at the start and end of each size is in "
        "its floor row. The per-read rows are each store read's median over a second series of "
        "the same calls.",
    }


if __name__ == "__main__":
    print(run())
