"""territory's real worker routing a bulk import: leads' lead_created over RabbitMQ -> the worker
process (chassis worker_main, eventlet, nameko, the batch handler and its inbox) ->
``routing.route_leads`` on PostgreSQL -> lead_routed in the outbox.

The organisation is territory_bench's (8 teams of 6 experts, 8 territories x 3 rules). The bench
publishes ``LEADS`` lead_created events as leads' relay would (persistent, publisher confirms,
full leads with person, company, location, source and score) while the worker is stopped, then
starts it to drain the backlog, as after a bulk import. Figures: decisions per second from the
first decision to the last (the worker's rate, from the decisions' own timestamps), and the
time from the worker's start to the last decision. Checks: every lead decided exactly once, one lead_routed outbox row each.

    .venv/bin/python -m bench.run territory_worker
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import text

from bench.broker import cpu_seconds, publish_events, queues_removed_afterwards, wait_until
from bench.servers import sampled
from bench.territory_bench import COUNTRIES, _Directory, _organisation
from crm.leads.v1 import events_pb2, lead_pb2
from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine
from crm_chassis.events import stamp
from crm_chassis.messaging.topology import dead_letter_queue
from crm_testkit import AMQP_URL, free_port, temporary_postgres_database
from crm_testkit.messaging import consumer_count, service_worker

LEADS = int(os.environ.get("TERRITORY_WORKER_LEADS", "10000"))
WARM_UP = 500
MANIFEST = manifests.load(
    Path(__file__).resolve().parent.parent / "services" / "territory" / "service.toml"
)
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
ALL_QUEUES = QUEUES + [dead_letter_queue(queue) for queue in QUEUES]
SIZES = (
    lead_pb2.COMPANY_SIZE_MICRO,
    lead_pb2.COMPANY_SIZE_SMALL,
    lead_pb2.COMPANY_SIZE_MEDIUM,
    lead_pb2.COMPANY_SIZE_LARGE,
)


def _lead_created(rng: random.Random, lead_id: str) -> events_pb2.LeadCreated:
    created = Timestamp()
    created.GetCurrentTime()
    lead = lead_pb2.Lead(
        id=lead_id,
        status=lead_pb2.LEAD_STATUS_NEW,
        created_at=created,
        updated_at=created,
        version=1,
        data=lead_pb2.LeadInput(
            person=lead_pb2.Person(
                first_name="Ada",
                last_name=f"Lovelace {lead_id[-6:]}",
                title="Head of Operations",
                email=f"{lead_id}@example.com",
                phone="+4930123456",
            ),
            company=lead_pb2.Company(
                name=f"Company {lead_id[-6:]}",
                industry="manufacturing",
                size=rng.choice(SIZES),
                website="https://example.com",
            ),
            location=lead_pb2.Location(
                country=rng.choice(COUNTRIES),
                city="Berlin",
                postal_code=f"{rng.randint(10, 99)}{rng.randint(100, 999)}",
            ),
            source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, campaign_id="spring"),
            product_interest=["crm"],
        ),
        score=lead_pb2.LeadScore(score=62, grade=lead_pb2.GRADE_B),
    )
    event = events_pb2.LeadCreated(lead=lead)
    stamp(
        event,
        producer="leads",
        event_type="lead_created",
        aggregate_type="lead",
        aggregate_id=lead_id,
        aggregate_version=1,
    )
    return event


def _publish(lead_ids: list[str], seed: int) -> None:
    rng = random.Random(seed)
    publish_events(
        "leads.events", "lead_created", (_lead_created(rng, lead_id) for lead_id in lead_ids)
    )


def _decided(engine, prefix: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM routing_decisions WHERE lead_id LIKE :p"),
            {"p": f"{prefix}%"},
        ).scalar_one()


def _lead_batch() -> int:
    from crm_territory.entrypoints.worker import LEAD_BATCH

    return LEAD_BATCH


def _drain(engine, run: str, env: dict, log_path: Path) -> dict:
    """Publish the import's events while no worker consumes, then start one and let it drain
    the backlog: the worker's rate is not capped by a publisher sharing its two cores."""
    lead_ids = [f"{run}-{i:06d}" for i in range(LEADS)]
    started = time.perf_counter()
    _publish(lead_ids, seed=2)
    published = time.perf_counter() - started
    with (
        service_worker("territory", env, log_path) as worker,
        sampled(worker.pid, "territory-worker-drain"),
    ):
        started = time.perf_counter()
        wait_until(lambda: _decided(engine, run) > 0, 60, "the worker did not start routing")
        cpu_at_first = cpu_seconds(worker.pid)
        try:
            wait_until(
                lambda: _decided(engine, run) >= LEADS,
                float(os.environ.get("TERRITORY_WORKER_TIMEOUT", "300")),
                "the worker did not route every lead",
            )
        except RuntimeError as exc:
            raise RuntimeError(
                f"{exc}; decided {_decided(engine, run)}; worker log:\n"
                f"{log_path.read_text()[-3000:]}"
            ) from None
        with_start = time.perf_counter() - started
        cpu = cpu_seconds(worker.pid) - cpu_at_first
    with engine.connect() as connection:
        # A batch's decisions share its clock reading: the rate counts the leads decided after
        # the first batch over the time from the first batch to the last.
        first, last = connection.execute(
            text(
                "SELECT min(decided_at), max(decided_at) FROM routing_decisions "
                "WHERE lead_id LIKE :p"
            ),
            {"p": f"{run}%"},
        ).one()
        after_first = connection.execute(
            text(
                "SELECT count(*) FROM routing_decisions WHERE lead_id LIKE :p AND decided_at > :t"
            ),
            {"p": f"{run}%", "t": first},
        ).scalar_one()
        routed_events = connection.execute(
            text(
                "SELECT count(DISTINCT aggregate_id) FROM outbox WHERE event_type IN "
                "('lead_routed', 'lead_unroutable') AND aggregate_id LIKE :p"
            ),
            {"p": f"{run}%"},
        ).scalar_one()
        outbox_rows = connection.execute(
            text(
                "SELECT count(*) FROM outbox WHERE event_type IN ('lead_routed', 'lead_unroutable') "
                "AND aggregate_id LIKE :p"
            ),
            {"p": f"{run}%"},
        ).scalar_one()
        inbox = connection.execute(
            text("SELECT count(*) FROM inbox WHERE consumer = 'territory.on_lead_created'")
        ).scalar_one()
    return {
        "published": published,
        "with_start": with_start,
        "cpu": cpu,
        "worker_seconds": (last - first).total_seconds(),
        "after_first": after_first,
        "routed_events": routed_events,
        "outbox_rows": outbox_rows,
        "inbox": inbox,
    }


def run() -> dict:
    from crm_territory import migrate
    from crm_territory.entrypoints.settings import TerritorySettings
    from crm_territory.entrypoints.wiring import build_dependencies

    with (
        queues_removed_afterwards(ALL_QUEUES),
        temporary_postgres_database("territory_worker_bench") as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        migrate.upgrade(url)
        settings = TerritorySettings.load("territory", env={}, database_url=url)
        _organisation(build_dependencies(settings, directory=_Directory()))
        engine = make_engine(url, pool_size=2)
        env = dict(
            CRM_TERRITORY_DATABASE_URL=url,
            CRM_TERRITORY_AMQP_URL=AMQP_URL,
            CRM_TERRITORY_METRICS_PORT=str(free_port()),
            CRM_TERRITORY_LOG_LEVEL="WARNING",
        )
        log_path = Path(folder) / "worker.log"
        try:
            with service_worker("territory", env, log_path):
                wait_until(
                    lambda: all(consumer_count(queue) for queue in QUEUES),
                    60,
                    "the worker did not consume its queues",
                )
                created_queue = next(
                    sub.queue for sub in MANIFEST.subscriptions if sub.event == "lead_created"
                )
                if consumer_count(created_queue) != 1:
                    raise RuntimeError(
                        f"{created_queue} has another consumer; stop other "
                        "territory workers on this broker and run again"
                    )
                warm = f"warm{uuid.uuid4().hex[:6]}"
                _publish([f"{warm}-{i}" for i in range(WARM_UP)], seed=1)
                wait_until(lambda: _decided(engine, warm) >= WARM_UP, 60, "warm-up not routed")
            figures = _drain(engine, f"bulk{uuid.uuid4().hex[:6]}", env, log_path)
        finally:
            engine.dispose()
    worker_rate = round(figures["after_first"] / max(figures["worker_seconds"], 1e-9))

    return {
        "title": "territory worker: a bulk import's lead_created routed over RabbitMQ (PostgreSQL)",
        "rows": [
            (
                "lead_created published (confirmed)",
                LEADS,
                "",
                f"{figures['published']:.1f} s to publish",
            ),
            (
                "route decisions per second, first to last decision",
                worker_rate,
                "/s",
                f"one worker process, batches of up to {_lead_batch()}",
            ),
            (
                "worker CPU per decision after the first batch",
                round(figures["cpu"] / max(figures["after_first"], 1) * 1e6),
                "µs",
                "user + system time of the worker process",
            ),
            (
                "worker start to last decision",
                round(figures["with_start"], 1),
                "s",
                "includes the process start and the first, cold batch",
            ),
            (
                "leads with a lead_routed/lead_unroutable event",
                figures["routed_events"],
                "",
                f"{figures['outbox_rows']} outbox rows",
            ),
            (
                "inbox rows of on_lead_created",
                figures["inbox"],
                "",
                f"incl. {WARM_UP} of the warm-up",
            ),
        ],
        "checks": [
            (
                "≥ 2,000 route decisions/s in one worker (first to last decision)",
                worker_rate >= 2000,
            ),
            (
                "every lead decided once, with one event",
                figures["routed_events"] == LEADS
                and figures["outbox_rows"] == LEADS
                and figures["inbox"] == LEADS + WARM_UP,
            ),
        ],
        "notes": "The worker is the production one (worker_main, nameko, eventlet, "
        "psycopg2), after a warm-up run of the same process; it drains a backlog "
        "published while it was stopped. Every decision stores its full "
        "explanation.",
    }


if __name__ == "__main__":
    result = run()
    for row in result["rows"]:
        print(*row)
    print(result["checks"])
