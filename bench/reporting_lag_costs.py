"""The reporting lag bench's costs per event, in process on PostgreSQL: SQL statements and the
consumer's CPU (translation, derivation, statements' client side; not the server's) for the
same deals' events stored and applied one event a transaction (``consumption.record_event``, the
worker's path before batches) and in the worker's batches (``consumption.record_events``), each
on a fresh database. The batches are what a backlog gives the worker: each event type has its
queue and batch handler, so a batch holds up to ``DEAL_BATCH`` consecutive events of one type.
The inbox rows the worker adds (one SELECT and one INSERT a transaction) are not counted.
Statements: what SQLAlchemy sends plus each multi-row INSERT the chassis sends on the DBAPI
cursor (``BulkInsert``).

    .venv/bin/python -m bench.reporting_lag_costs     (REPORTING_COSTS_DEALS, default 200)

Run with an older ``crm_reporting`` first on ``PYTHONPATH`` (one without ``record_events``),
it measures that one's one-event path alone: the before figure of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from crm_chassis.bulk_insert import BulkInsert
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters import event_translation
from crm_reporting.entrypoints import settings, wiring, worker
from crm_reporting.service_layer import consumption
from crm_testkit import temporary_postgres_database

WORKER = Caller.system("reporting-worker")
DEAL_BATCH = getattr(worker, "DEAL_BATCH", 100)
DEALS = int(os.environ.get("REPORTING_COSTS_DEALS", "200"))


def queue_batches(messages: list, size: int = DEAL_BATCH) -> list[list]:
    """``messages`` as a backlog's batches: per window of ``size`` events of each of the five
    types, one batch per event type, in the order the types first appear."""
    batches: list[list] = []
    for start in range(0, len(messages), 5 * size):
        by_type: dict[str, list] = {}
        for message in messages[start : start + 5 * size]:
            by_type.setdefault(message.meta.event_type, []).append(message)
        batches.extend(by_type.values())
    return batches


@contextmanager
def _counted(engine) -> Iterator[list[int]]:
    count = [0]
    original = BulkInsert.execute

    def before(*_args) -> None:
        count[0] += 1

    def bulk(self, session, rows) -> None:
        if rows and session.connection().dialect.driver == "psycopg2":
            count[0] += 1  # sent on the DBAPI cursor, unseen by the engine's events
        original(self, session, rows)

    event.listen(engine, "before_cursor_execute", before)
    BulkInsert.execute = bulk  # type: ignore[method-assign]
    try:
        yield count
    finally:
        BulkInsert.execute = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", before)


def _measure(batches: list[list], apply: Callable) -> tuple[float, float]:
    """(statements, CPU ms) per event of ``apply(deps, recorded events)`` over ``batches``."""
    events = sum(len(batch) for batch in batches)
    with temporary_postgres_database("reporting_lag_costs") as url:
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=1)
        deps = wiring.build_dependencies(settings.load(env={}), engine=engine, scopes=None)
        try:
            with _counted(engine) as count:
                started = time.process_time()
                for batch in batches:
                    apply(deps, [event_translation.recorded("deals", m) for m in batch])
                cpu = time.process_time() - started
        finally:
            deps.close()
            engine.dispose()
    return count[0] / events, cpu * 1000 / events


def per_event_costs(messages: list) -> list[tuple[str, float, float]]:
    """(path, statements per event, CPU ms per event) of both paths over ``messages``."""

    def one_by_one(deps, events) -> None:
        for recorded in events:
            consumption.record_event(deps, WORKER, event=recorded)

    def batched(deps, events) -> None:
        consumption.record_events(deps, WORKER, events=events)

    costs = [("one event a transaction", *_measure([[m] for m in messages], one_by_one))]
    if hasattr(consumption, "record_events"):
        batches = queue_batches(messages)
        costs.append((f"batches of <= {DEAL_BATCH} per event type", *_measure(batches, batched)))
    return costs


if __name__ == "__main__":
    from bench.reporting_rebuild_bench import deal_events, pipeline_event

    messages = [pipeline_event()] + [m for i in range(DEALS) for m in deal_events(i)]
    for path, statements, cpu in per_event_costs(messages):
        print(f"{len(messages)} events, {path}: {statements:.2f} statements, {cpu:.2f} ms CPU")
