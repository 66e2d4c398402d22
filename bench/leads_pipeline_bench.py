"""leads' worker applying territory's routing decisions: lead_routed over RabbitMQ -> the real
worker process (chassis worker_main, eventlet, nameko, inbox) -> apply_routing on PostgreSQL.

A throw-away database holds ``LEADS`` captured-but-unrouted leads (loaded in SQL, like the
search benchmark); the bench publishes one LeadRouted per lead to ``territory.events`` as
territory's relay would (persistent, publisher confirms), then waits until every lead carries
its decision. Figures: decisions applied per second end to end, and the lag from the event's
``occurred_at`` to its inbox row (the handler's commit), p50/p99. Check: every decision applied
exactly once (one "assigned" history entry per lead).

    .venv/bin/python -m bench.run leads_pipeline
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import pika
from sqlalchemy import func, select, text

from bench.leads_search_bench import LOAD, percentile
from crm.territory.v1 import events_pb2
from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine
from crm_chassis.events import encode, headers_for, stamp
from crm_chassis.messaging.testing import consumer_count, existing_queues, service_worker
from crm_chassis.messaging.topology import dead_letter_queue
from crm_chassis.testing import AMQP_URL, amqp_channel, free_port, temporary_postgres_database

from crm_leads import migrate
from crm_leads.adapters import orm

LEADS = int(os.environ.get("LEADS_PIPELINE_EVENTS", "3000"))
MANIFEST = manifests.load(Path(__file__).resolve().parent.parent / "services" / "leads"
                          / "service.toml")
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
ALL_QUEUES = QUEUES + [dead_letter_queue(queue) for queue in QUEUES]


def _existing_queues() -> set[str]:
    return existing_queues(ALL_QUEUES)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)


def _publish(lead_ids: list[str]) -> dict[str, dt.datetime]:
    """Publish one decision per lead; returns each event's occurred_at."""
    stamped = {}
    connection, channel = amqp_channel()
    try:
        channel.confirm_delivery()
        for n, lead_id in enumerate(lead_ids):
            event = events_pb2.LeadRouted(
                lead_id=lead_id, sales_line_id="line-0", team_id=f"team-{n % 40}",
                owner_user_id=f"team-{n % 40}-u{n % 8}",
                explanation={"summary": "bench rule"})
            stamp(event, producer="territory", event_type="lead_routed",
                  aggregate_type="lead_routing", aggregate_id=lead_id, aggregate_version=1)
            stamped[lead_id] = event.meta.occurred_at.ToDatetime(tzinfo=dt.timezone.utc)
            channel.basic_publish(
                "territory.events", "lead_routed", encode(event).encode(),
                properties=pika.BasicProperties(
                    content_type="application/json", delivery_mode=2,
                    headers=headers_for(event.meta), message_id=event.meta.event_id,
                    type="lead_routed"), mandatory=True)
    finally:
        connection.close()
    return stamped


def _load(engine) -> list[str]:
    with engine.connect() as connection:
        connection.execute(text(LOAD), {"start": 1, "stop": LEADS, "now": dt.datetime.now(
            dt.timezone.utc), "queue": "queue-team", "teams": 40})
        # Captured, not yet routed: no team, no decision.
        connection.execute(text(
            "UPDATE leads SET team_id = NULL, owner_user_id = NULL, queue_team_id = NULL, "
            "scope_team_id = NULL, assignment_method = '', status = 'new'"))
        connection.commit()
        return connection.execute(select(orm.leads.c.id).order_by(orm.leads.c.id)).scalars().all()


def run() -> dict:
    before = _existing_queues()
    with temporary_postgres_database("leads_pipeline_bench") as url, \
            tempfile.TemporaryDirectory() as folder:
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=2)
        lead_ids = _load(engine)
        env = dict(CRM_LEADS_DATABASE_URL=url, CRM_LEADS_AMQP_URL=AMQP_URL,
                   CRM_LEADS_METRICS_PORT=str(free_port()), CRM_LEADS_LOG_LEVEL="WARNING")
        log_path = Path(folder) / "worker.log"
        try:
            with service_worker("leads", env, log_path):
                _wait(lambda: all(consumer_count(queue) for queue in QUEUES), 60,
                      "the worker did not consume its queues")
                routed_queue = next(sub.queue for sub in MANIFEST.subscriptions
                                    if sub.event == "lead_routed")
                if consumer_count(routed_queue) != 1:
                    # Another leads worker (make run, an e2e test) would take part of the events.
                    raise RuntimeError(f"{routed_queue} has another consumer; stop other leads "
                                       "workers on this broker and run again")

                def applied() -> int:
                    with engine.connect() as connection:
                        return connection.execute(select(func.count()).select_from(orm.leads).where(
                            orm.leads.c.routing_decision_id != "")).scalar_one()
                started = time.perf_counter()
                stamped = _publish(lead_ids)
                published = time.perf_counter() - started
                try:
                    _wait(lambda: applied() >= len(lead_ids), int(os.environ.get("LEADS_PIPELINE_TIMEOUT", "300")),
                          "the worker did not apply every decision")
                except RuntimeError as exc:
                    raise RuntimeError(f"{exc}; applied {applied()}; worker log:\n"
                                       f"{log_path.read_text()[-3000:]}") from None
                elapsed = time.perf_counter() - started
                with engine.connect() as connection:
                    # assigned_at is the apply time (same host clock as the publisher's stamp).
                    lags = [(row.assigned_at - stamped[row.id]).total_seconds() * 1000
                            for row in connection.execute(
                                select(orm.leads.c.id, orm.leads.c.assigned_at))]
                    history = connection.execute(text(
                        "SELECT count(*) FROM lead_history WHERE action = 'assigned'")).scalar_one()
                    inbox = connection.execute(text(
                        "SELECT count(*) FROM inbox WHERE consumer = 'leads.on_lead_routed'")
                    ).scalar_one()
        finally:
            connection, channel = amqp_channel()
            try:
                for queue in ALL_QUEUES:
                    if queue not in before:
                        channel.queue_delete(queue=queue)
            finally:
                connection.close()
            engine.dispose()
    rate = len(lead_ids) / elapsed
    return {"title": "leads worker: territory lead_routed applied over RabbitMQ (PostgreSQL)",
            "rows": [("decisions published (confirmed)", len(lead_ids), "",
                      f"{published:.1f} s to publish"),
                     ("decisions applied per second, end to end", round(rate), "/s",
                      "one worker process, batches of up to 250"),
                     ("time until every lead was routed", round(elapsed, 1), "s", ""),
                     ("lag occurred_at -> applied p50", round(percentile(lags, 0.5), 1), "ms",
                      "includes the queue built up by publishing all at once"),
                     ("lag occurred_at -> applied p99", round(percentile(lags, 0.99), 1), "ms",
                      ""),
                     ("inbox rows of on_lead_routed", inbox, "", ""),
                     ("'assigned' history entries", history, "", "")],
            "checks": [("every lead_routed applied exactly once",
                        inbox == len(lead_ids) and history == len(lead_ids))]}


if __name__ == "__main__":
    result = run()
    for row in result["rows"]:
        print(*row)
    print(result["checks"])
