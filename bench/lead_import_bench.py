"""The import's bulk lane end to end: ``LEAD_IMPORT_ROWS`` rows (default 100,000) through one
ImportLeads stream into identity, territory and leads running as their real processes
(crm_devrun.bed, PostgreSQL and RabbitMQ), until every imported lead is scored, routed by
territory and has its owner set by leads' worker. Each batch travels as one ``leads_captured``,
one ``leads_routed`` and one transaction per hop (docs/services/leads.md, "Import").

Figures: rows/s end to end; CPU per imported lead of each platform process and of the
PostgreSQL backends serving the bed's databases (read from /proc for their pids); the rest of
the machine (RabbitMQ, the bench client, and whatever else the host runs) as an upper bound.
The floor, measured in the same run: PostgreSQL's COPY alone of the same lead rows into a table
shaped like ``leads`` (its indexes included), from an in-memory CSV.
Targets (issue 20): <= 20 s for 100,000 leads (>= 5,000 leads/s); CPU per imported lead
<= 0.35 ms.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))

from e2e_platform import As, Stubs, german_line, small_company, unique

from bench.broker import backend_cpu_seconds, machine_cpu_seconds
from bench.lead_flow_bench import COLUMNS
from bench.servers import sampled
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm_devrun.bed import PlatformBed

ROWS = int(os.environ.get("LEAD_IMPORT_ROWS", "100000"))


def _rows(line_id: str, tag: str):
    yield ls.ImportLeadsRequest(
        header=ls.ImportHeader(
            import_id=unique("bench-bulk"),
            columns=COLUMNS,
            default_sales_line_id=line_id,
            default_channel=lead_pb2.CHANNEL_PURCHASED_LIST,
        )
    )
    for i in range(1, ROWS + 1):
        values = [f"bulk{i}.{tag}@import.example", "Row", f"Bulk{tag}{i}", f"Bulk {tag} {i}", "DE"]
        yield ls.ImportLeadsRequest(
            row=ls.ImportRow(row_number=i, values=dict(zip(COLUMNS, values, strict=True)))
        )


def _owned(engine, pattern: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(owner_user_id) FROM leads WHERE email LIKE :p"), {"p": pattern}
        ).scalar_one()


def _copy_floor(engine, pattern: str) -> tuple[int, float]:
    """(rows, seconds) of COPY FROM of the imported lead rows into a table like ``leads``."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        buffer = io.StringIO()
        cursor.copy_expert(
            f"COPY (SELECT * FROM leads WHERE email LIKE '{pattern}') TO STDOUT", buffer
        )
        rows = buffer.getvalue().count("\n")
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute("CREATE TABLE bench_copy_floor (LIKE leads INCLUDING ALL)")
        raw.commit()
        buffer.seek(0)
        started = time.perf_counter()
        cursor.copy_expert("COPY bench_copy_floor FROM STDIN", buffer)
        raw.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_floor")
        raw.commit()
        return rows, seconds
    finally:
        raw.close()


def run() -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="crm-bench-") as workdir,
        PlatformBed(["identity", "territory", "leads"], Path(workdir)) as bed,
    ):
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        engine = create_engine(bed.database_urls["leads"])
        databases = [engine.url.database] + [
            create_engine(bed.database_urls[s]).url.database for s in ("territory", "identity")
        ]
        tag = unique("bulk")
        pattern = f"bulk%.{tag}@import.example"
        importer = company["people"]["sue"]  # importing needs a sales/marketing department
        cpu_before, machine_before = bed.cpu_seconds(), machine_cpu_seconds()
        backends_before = backend_cpu_seconds(engine, databases)
        started = time.monotonic()
        summary = None
        with contextlib.ExitStack() as sampling:  # BENCH_PROFILE: py-spy on the busiest ones
            for label in ("territory.worker", "leads.api", "leads.worker"):
                sampling.enter_context(sampled(bed.pid(label), f"bulk-{label}"))
            for answer in importer(stubs.leads.ImportLeads, _rows(line.id, tag), timeout=3600):
                if answer.done:
                    summary = answer
            imported = time.monotonic() - started
            bed.wait_for(
                lambda: _owned(engine, pattern) >= ROWS, 3600, "imported leads not all routed", 0.25
            )
            routed = time.monotonic() - started
        machine = machine_cpu_seconds() - machine_before
        cpu_after = bed.cpu_seconds()
        backends_after = backend_cpu_seconds(engine, databases)
        copy_rows, copy_seconds = _copy_floor(engine, pattern)
        engine.dispose()
    per_lead = 1000 / ROWS  # CPU seconds -> ms per lead
    by_process = sorted(
        ((label, cpu_after[label] - cpu_before.get(label, 0.0)) for label in cpu_after),
        key=lambda item: -item[1],
    )
    ours = sum(used for _, used in by_process)
    backends = sum(used - backends_before.get(pid, 0.0) for pid, used in backends_after.items())
    platform = ours + backends
    rows = [
        ("import rows accepted", summary.rows_accepted if summary else 0, "", f"{ROWS} sent"),
        ("import stream done", round(imported, 1), "s", ""),
        (
            "import: every lead scored, routed, owner set",
            round(routed, 1),
            "s",
            f"{ROWS / routed:.0f} leads/s end to end",
        ),
        (
            "floor: PostgreSQL COPY of the same lead rows",
            round(copy_rows / copy_seconds),
            "rows/s",
            f"{copy_rows} rows in {copy_seconds:.2f} s, into a table like leads",
        ),
        (
            "CPU per imported lead: platform processes + their PostgreSQL backends",
            round(platform * per_lead, 3),
            "ms",
            "",
        ),
        *[
            (f"CPU per imported lead: {label}", round(used * per_lead, 3), "ms", "")
            for label, used in by_process
            if used * per_lead >= 0.005
        ],
        ("CPU per imported lead: PostgreSQL backends", round(backends * per_lead, 3), "ms", ""),
        (
            "CPU per imported lead: rest of the machine",
            round((machine - platform) * per_lead, 3),
            "ms",
            "RabbitMQ, the bench client and every other load on the host (upper bound)",
        ),
    ]
    return {
        "title": "Bulk import through the running platform (the bulk lane)",
        "rows": rows,
        "checks": [
            ("import scored and routed at >= 5,000 leads/s", ROWS / routed >= 5000),
            (
                "CPU per imported lead <= 0.35 ms (platform + PostgreSQL)",
                platform * per_lead <= 0.35,
            ),
        ],
    }


if __name__ == "__main__":
    result = run()
    for row in result["rows"]:
        print(*row)
    print(result["checks"])
