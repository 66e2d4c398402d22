"""leads' worker applying territory's routing decisions: lead_routed over RabbitMQ -> the real
worker process (chassis worker_main, eventlet, nameko, inbox) -> apply_routing on PostgreSQL.

A throw-away database holds ``LEADS`` captured-but-unrouted leads (loaded in SQL, like the
search benchmark); the bench publishes one LeadRouted per lead to ``territory.events`` as
territory's relay would (persistent, publisher confirms) while the worker is stopped, then
starts it and waits until every lead carries its decision. Figures: decisions applied per
second from the first apply to the last, and the worker's CPU per decision. Check: every
decision applied exactly once (one "assigned" history entry per lead).

    .venv/bin/python -m bench.run leads_pipeline
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text

from bench.broker import cpu_seconds, publish_events, queues_removed_afterwards, wait_until
from bench.leads_search_bench import LOAD
from bench.servers import sampled
from crm.territory.v1 import events_pb2
from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine
from crm_chassis.events import stamp
from crm_chassis.messaging.topology import dead_letter_queue
from crm_leads import migrate
from crm_leads.adapters import orm
from crm_testkit import AMQP_URL, free_port, temporary_postgres_database
from crm_testkit.messaging import consumer_count, service_worker

LEADS = int(os.environ.get("LEADS_PIPELINE_EVENTS", "3000"))
MANIFEST = manifests.load(
    Path(__file__).resolve().parent.parent / "services" / "leads" / "service.toml"
)
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
ALL_QUEUES = QUEUES + [dead_letter_queue(queue) for queue in QUEUES]


def _decisions(lead_ids: list[str]) -> list:
    """One LeadRouted per lead, stamped."""
    messages = []
    for n, lead_id in enumerate(lead_ids):
        event = events_pb2.LeadRouted(
            lead_id=lead_id,
            sales_line_id="line-0",
            team_id=f"team-{n % 40}",
            owner_user_id=f"team-{n % 40}-u{n % 8}",
            explanation={"summary": "bench rule"},
        )
        stamp(
            event,
            producer="territory",
            event_type="lead_routed",
            aggregate_type="lead_routing",
            aggregate_id=lead_id,
            aggregate_version=1,
        )
        messages.append(event)
    return messages


def _load(engine) -> list[str]:
    with engine.connect() as connection:
        connection.execute(
            text(LOAD),
            {
                "start": 1,
                "stop": LEADS,
                "now": dt.datetime.now(dt.UTC),
                "queue": "queue-team",
                "teams": 40,
            },
        )
        # Captured, not yet routed: no team, no decision.
        connection.execute(
            text(
                "UPDATE leads SET team_id = NULL, owner_user_id = NULL, queue_team_id = NULL, "
                "scope_team_id = NULL, assignment_method = '', status = 'new'"
            )
        )
        connection.commit()
        return connection.execute(select(orm.leads.c.id).order_by(orm.leads.c.id)).scalars().all()


def run() -> dict:
    with (
        queues_removed_afterwards(ALL_QUEUES),
        temporary_postgres_database("leads_pipeline_bench") as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=2)
        lead_ids = _load(engine)
        env = dict(
            CRM_LEADS_DATABASE_URL=url,
            CRM_LEADS_AMQP_URL=AMQP_URL,
            CRM_LEADS_METRICS_PORT=str(free_port()),
            CRM_LEADS_LOG_LEVEL="WARNING",
        )
        log_path = Path(folder) / "worker.log"
        routed_queue = next(
            sub.queue for sub in MANIFEST.subscriptions if sub.event == "lead_routed"
        )

        def applied() -> int:
            with engine.connect() as connection:
                return connection.execute(
                    select(func.count())
                    .select_from(orm.leads)
                    .where(orm.leads.c.routing_decision_id != "")
                ).scalar_one()

        try:
            # A first start declares the worker's queues; the decisions are then published
            # while it is stopped, and a second start drains them, as after a bulk import:
            # the worker's rate is not capped by a publisher sharing its two cores.
            with service_worker("leads", env, log_path):
                wait_until(
                    lambda: all(consumer_count(queue) for queue in QUEUES),
                    60,
                    "the worker did not consume its queues",
                )
                if consumer_count(routed_queue) != 1:
                    # Another leads worker (make run, an e2e test) would take part of the events.
                    raise RuntimeError(
                        f"{routed_queue} has another consumer; stop other leads "
                        "workers on this broker and run again"
                    )
            messages = _decisions(lead_ids)
            started = time.perf_counter()
            publish_events("territory.events", "lead_routed", messages)
            published = time.perf_counter() - started
            with (
                service_worker("leads", env, log_path) as worker,
                sampled(worker.pid, "leads-worker-drain"),
            ):
                wait_until(lambda: applied() > 0, 60, "the worker did not start applying")
                cpu_at_first = cpu_seconds(worker.pid)
                try:
                    wait_until(
                        lambda: applied() >= len(lead_ids),
                        int(os.environ.get("LEADS_PIPELINE_TIMEOUT", "300")),
                        "the worker did not apply every decision",
                    )
                except RuntimeError as exc:
                    raise RuntimeError(
                        f"{exc}; applied {applied()}; worker log:\n{log_path.read_text()[-3000:]}"
                    ) from None
                cpu = cpu_seconds(worker.pid) - cpu_at_first
            with engine.connect() as connection:
                # assigned_at is the apply time; a batch's leads share its clock reading, so
                # the rate counts the leads applied after the first batch over the time from
                # the first batch to the last.
                times = sorted(connection.execute(select(orm.leads.c.assigned_at)).scalars())
                first, last = times[0], times[-1]
                after_first = sum(1 for at in times if at > first)
                history = connection.execute(
                    text("SELECT count(*) FROM lead_history WHERE action = 'assigned'")
                ).scalar_one()
                inbox = connection.execute(
                    text("SELECT count(*) FROM inbox WHERE consumer = 'leads.on_lead_routed'")
                ).scalar_one()
        finally:
            engine.dispose()
    rate = after_first / max((last - first).total_seconds(), 1e-9)
    return {
        "title": "leads worker: territory lead_routed applied over RabbitMQ (PostgreSQL)",
        "rows": [
            (
                "decisions published (confirmed)",
                len(lead_ids),
                "",
                f"{published:.1f} s to publish, while the worker was stopped",
            ),
            (
                "decisions applied per second, first to last apply",
                round(rate),
                "/s",
                f"one worker process, batches of up to {_batch()}",
            ),
            (
                "worker CPU per decision after the first batch",
                round(cpu / max(after_first, 1) * 1e6),
                "µs",
                "user + system time of the worker process",
            ),
            ("inbox rows of on_lead_routed", inbox, "", ""),
            ("'assigned' history entries", history, "", ""),
        ],
        "checks": [
            (
                "every lead_routed applied exactly once",
                inbox == len(lead_ids) and history == len(lead_ids),
            )
        ],
        "notes": "The lag from territory's decision to its application is measured by "
        "lead_flow_bench (the whole platform); here the worker drains a backlog.",
    }


def _batch() -> int:
    from crm_leads.entrypoints.worker import ROUTED_BATCH

    return ROUTED_BATCH


if __name__ == "__main__":
    result = run()
    for row in result["rows"]:
        print(*row)
    print(result["checks"])
