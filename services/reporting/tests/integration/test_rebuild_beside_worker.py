"""The rebuild beside a live reporting worker (real worker process, RabbitMQ, PostgreSQL), fenced
(docs/services/reporting.md, "Runbook").

The race made certain: the worker is held inside a deal's derivation (the test locks the deal's
fact row) when ``python -m crm_reporting.rebuild`` starts; then the row is released. Unfenced, the
rebuild's TRUNCATE waited for the worker's lock on ``deal_facts`` while the worker, once let go,
waited for ``deal_totals``, which the TRUNCATE already held: a deadlock, and PostgreSQL aborted
one of them (the rebuild, or the worker's delivery). Fenced, the rebuild waits for the delivery
to commit, and the deliveries arriving during the rebuild wait for it.

Meanwhile deals' events keep arriving and an erasure request arrives: the rebuild succeeds, the
erasure is confirmed, every event is stored once, and the read models afterwards equal a
rebuild's from the same store."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from reporting_events import Deal, at, org, pipeline
from sqlalchemy import func, select, text

from crm.deals.v1 import events_pb2 as deals_events
from crm_chassis import events
from crm_chassis.caller import Caller
from crm_reporting.adapters import orm
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_testkit import AMQP_URL, free_port, wait_until
from crm_testkit.messaging import publish_as, service_worker

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
SEEDED_DEALS = 1500


def _tables(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(conn.execute(select(table)).tuples().all(), key=repr)
            for table in orm.READ_MODELS
        }


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _confirmed(engine, request_id: str) -> bool:
    with engine.connect() as conn:
        payloads = conn.execute(
            select(orm.outbox.c.payload).where(orm.outbox.c.event_type == "personal_data_erased")
        ).scalars()
        return any(request_id in payload for payload in payloads)


def _seed(engine) -> list[Deal]:
    """A store of some thousands of events (so that the rebuild takes a while), derived."""
    deps = wiring.build_dependencies(settings.load(env={}), engine=engine, scopes=None)
    try:
        for event in (*org(), pipeline()):
            record_event(deps, WORKER, event=event)
        deals = [Deal(f"seed-{n}", team=f"t{1 + n % 3}") for n in range(SEEDED_DEALS)]
        with deps.uow() as uow:
            for n, deal in enumerate(deals):
                uow.events.add(deal.created(at("2026-01-05")), at("2026-01-05"))
                uow.events.add(deal.moved("propose", at("2026-01-09")), at("2026-01-09"))
                if n % 2:
                    uow.events.add(deal.won(at("2026-01-20")), at("2026-01-20"))
            uow.commit()
        rebuild(deps, WORKER)
    finally:
        deps.close()
    return deals


@pytest.fixture
def worker(database_url, engine, tmp_path):
    env = {
        "CRM_REPORTING_DATABASE_URL": database_url,
        "CRM_REPORTING_AMQP_URL": AMQP_URL,
        "CRM_REPORTING_METRICS_PORT": str(free_port()),
        "CRM_REPORTING_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "worker.log"
    queue = (
        "evt-deals-personal_data_erasure_requested--reporting.on_personal_data_erasure_requested"
    )
    from crm_testkit import amqp_channel

    with service_worker("reporting", env, log_path) as process:
        connection, channel = amqp_channel()
        try:

            def consuming() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"worker exited: {log_path.read_text()[-3000:]}")
                return channel.queue_declare(queue, passive=True).method.consumer_count == 1

            wait_until(consuming, timeout=60, message="the reporting worker does not consume")
        finally:
            connection.close()
        yield env, log_path


def _erasure(request_id: str, email: str):
    message = deals_events.PersonalDataErasureRequested(request_id=request_id, email=email)
    events.stamp(
        message,
        producer="deals",
        event_type="personal_data_erasure_requested",
        aggregate_type="privacy_request",
        aggregate_id=request_id,
        aggregate_version=1,
    )
    return message


def _waiting(engine, statement: str) -> bool:
    """A session of the test database waits for a lock in a statement like ``statement``."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE :statement"
                ),
                {"statement": statement},
            ).scalar_one()
        )


def _rebuild_waiting(engine) -> bool:
    # Fenced: for the fence, which the worker's transaction shares; unfenced: in its TRUNCATE.
    return _waiting(engine, "%pg_advisory_xact_lock(%") or _waiting(engine, "TRUNCATE%")


def test_a_rebuild_beside_the_live_worker_loses_nothing_and_the_erasure_is_confirmed(
    database_url, engine, worker
):
    env, log_path = worker
    deals = _seed(engine)
    stored_before = _count(engine, orm.event_store)
    held = deals[0]
    published: list[str] = []
    stop = threading.Event()

    def publish_deal_events() -> None:
        n = 1
        while not stop.is_set():
            deal = deals[1 + n % (len(deals) - 1)]
            event = deal.updated(at("2026-01-25"), amount=f"{1000 + n}.00")
            publish_as("deals", "deal_updated", deal.published)
            published.append(event.event_id)
            n += 1
            time.sleep(0.01)

    publisher = threading.Thread(target=publish_deal_events, daemon=True)
    request_id = uuid.uuid4().hex
    with engine.connect() as blocker:
        # The worker's derivation of ``held`` waits for this row lock, inside its transaction.
        blocker.execute(
            select(orm.deal_facts.c.deal_id)
            .where(orm.deal_facts.c.deal_id == held.id)
            .with_for_update()
        )
        published.append(held.updated(at("2026-01-24"), amount="777.00").event_id)
        publish_as("deals", "deal_updated", held.published)
        wait_until(
            lambda: _waiting(engine, "%FOR UPDATE%"), timeout=60, message="the worker is not held"
        )
        rebuild_command = subprocess.Popen(
            [sys.executable, "-m", "crm_reporting.rebuild"],
            env={**os.environ, "CRM_ENV": "test", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: _rebuild_waiting(engine), timeout=60, message="no rebuild waits")
        blocker.rollback()  # the worker goes on while the rebuild waits
    publisher.start()
    try:
        publish_as(
            "deals", "personal_data_erasure_requested", _erasure(request_id, "no@example.com")
        )
        output, _ = rebuild_command.communicate(timeout=180)
    finally:
        stop.set()
        publisher.join(timeout=10)
    assert rebuild_command.returncode == 0, output.decode()
    wait_until(
        lambda: _confirmed(engine, request_id),
        timeout=60,
        interval=0.5,
        message=f"reporting did not confirm the erasure: {log_path.read_text()[-4000:]}",
    )
    wait_until(
        lambda: _count(engine, orm.event_store) == stored_before + len(published),
        timeout=60,
        interval=0.5,
        message="not every event published during the rebuild was stored once",
    )
    assert _count(engine, orm.inbox, orm.inbox.c.event_id.in_(published)) == len(published)
    assert "deadlock" not in log_path.read_text()
    live = _tables(engine)
    deps = wiring.build_dependencies(settings.load(env={}), engine=engine, scopes=None)
    try:
        rebuild(deps, WORKER)
    finally:
        deps.close()
    assert _tables(engine) == live


def _rebuild_locking(engine) -> bool:
    """The rebuild's session is at its lock of the read models (trying, or waiting)."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND (query LIKE 'LOCK TABLE deal_totals%' "
                    "OR (query LIKE 'TRUNCATE%' AND wait_event_type = 'Lock'))"
                )
            ).scalar_one()
        )


def test_a_report_reading_the_read_models_during_a_rebuild_does_not_deadlock_with_it(engine):
    """A report holds ``deal_facts`` when the rebuild starts, then reads ``deal_totals`` (the
    table the truncation locks first): it reads, and the rebuild goes on after it."""
    _seed(engine)
    deps = wiring.build_dependencies(settings.load(env={}), engine=engine, scopes=None)
    outcome: list[object] = []
    try:
        with engine.connect() as report:
            report.execute(select(func.count()).select_from(orm.deal_facts))

            def run() -> None:
                try:
                    outcome.append(rebuild(deps, WORKER))
                except Exception as exc:  # noqa: BLE001 - asserted below
                    outcome.append(exc)

            rebuilding = threading.Thread(target=run)
            rebuilding.start()
            wait_until(lambda: _rebuild_locking(engine), timeout=30, message="no rebuild")
            time.sleep(0.2)  # the rebuild keeps trying (or, unfenced, holds deal_totals)
            report.execute(select(func.count()).select_from(orm.deal_totals))
            report.rollback()
            rebuilding.join(timeout=120)
    finally:
        deps.close()
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
