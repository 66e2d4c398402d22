"""The real reporting worker process (chassis worker_main, eventlet, nameko) over RabbitMQ and
PostgreSQL: deal events published in a burst are applied in batches, every deal ends at the
derivation of its events, and an event that fails in its batch (an aggregate id longer than the
event store takes) is dead-lettered alone while the rest of its batch commits.

The worker consumes reporting's real queues on the run's broker (CRM_TEST_AMQP_URL); queues it
declares that did not exist before are deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as res
from crm_chassis import manifest as manifests
from crm_chassis.events import stamp
from crm_chassis.messaging.topology import dead_letter_queue
from crm_reporting.adapters import orm
from crm_testkit import AMQP_URL, amqp_channel, free_port, wait_until
from crm_testkit.messaging import consumer_count, publish_as, service_worker
from crm_testkit.messaging import existing_queues as existing

pytestmark = pytest.mark.integration
MANIFEST = manifests.load(Path(__file__).resolve().parents[2] / "service.toml")
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
DEALS = 40
START = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)


def _events(deal_id: str) -> list[tuple[str, object]]:
    """A deal's created, stage change and win, as deals publishes them."""
    deal = res.Opportunity(
        id=deal_id,
        team_id="t1",
        owner_user_id="alice",
        sales_line_id="line-1",
        pipeline_id="p1",
        currency="EUR",
        status=res.DEAL_STATUS_OPEN,
        stage_key="qualify",
        estimated_revenue=money_pb2.Money(amount="1000.00", currency="EUR"),
    )
    deal.created_at.FromDatetime(START)
    deal.stage_entered_at.FromDatetime(START)
    out: list[tuple[str, object]] = []

    def emit(cls, event_type: str, when: dt.datetime, **fields) -> None:
        deal.version += 1
        deal.updated_at.FromDatetime(when)
        message = cls(deal=deal, **fields)
        stamp(
            message,
            producer="deals",
            event_type=event_type,
            aggregate_type="opportunity",
            aggregate_id=deal_id,
            aggregate_version=deal.version,
            occurred_at=when,
        )
        out.append((event_type, message))

    emit(deals_events.DealCreated, "deal_created", START)
    deal.stage_key = "propose"
    deal.stage_entered_at.FromDatetime(START + dt.timedelta(days=2))
    emit(deals_events.DealStageChanged, "deal_stage_changed", START + dt.timedelta(days=2))
    deal.status = res.DEAL_STATUS_WON
    deal.closed_at.FromDatetime(START + dt.timedelta(days=9))
    emit(deals_events.DealWon, "deal_won", START + dt.timedelta(days=9))
    return out


def _versions(engine) -> dict[str, tuple[int, str]]:
    with engine.connect() as connection:
        f = orm.deal_facts.c
        rows = connection.execute(select(f.deal_id, f.version, f.status))
        return {deal_id: (version, status) for deal_id, version, status in rows}


def _emptied(engine) -> None:
    # The database is the module's of other tests too: start from no events and read models.
    with engine.begin() as connection:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox):
            connection.execute(delete(table))


def _depth(queue: str) -> int:
    connection, channel = amqp_channel(AMQP_URL)
    try:
        return channel.queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def test_a_burst_is_applied_in_batches_and_a_failing_event_is_dead_lettered_alone(
    database_url, engine, tmp_path
):
    _emptied(engine)
    before = existing(QUEUES + [dead_letter_queue(q) for q in QUEUES])
    env = dict(
        CRM_REPORTING_DATABASE_URL=database_url,
        CRM_REPORTING_AMQP_URL=AMQP_URL,
        CRM_REPORTING_METRICS_PORT=str(free_port()),
        CRM_REPORTING_LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "worker.log"
    poison = "p" * 100  # longer than event_store.aggregate_id (64): its INSERT fails
    created_queue = next(s.queue for s in MANIFEST.subscriptions if s.event == "deal_created")
    try:
        with service_worker("reporting", env, log_path):
            wait_until(
                lambda: all(consumer_count(queue) for queue in QUEUES),
                timeout=60,
                interval=0.2,
                message="the worker never consumed its queues",
            )
            burst = [e for i in range(DEALS) for e in _events(f"d{i}")]
            burst.insert(DEALS, _events(poison)[0])  # among the deal_created deliveries
            for event_type, message in burst:
                publish_as("deals", event_type, message)
            wait_until(
                lambda: _versions(engine) == {f"d{i}": (3, "won") for i in range(DEALS)},
                timeout=120,
                interval=0.2,
                message=f"the deals did not all end won at version 3: {_versions(engine)}",
            )
            wait_until(
                lambda: _depth(dead_letter_queue(created_queue)) == 1,
                timeout=120,
                interval=0.5,
                message="the failing event was not dead-lettered",
            )
        with engine.connect() as connection:
            stored = connection.execute(select(orm.event_store.c.aggregate_id)).scalars().all()
        assert sorted(stored) == sorted(f"d{i}" for i in range(DEALS) for _ in range(3))
    finally:
        connection, channel = amqp_channel(AMQP_URL)
        try:
            for queue in QUEUES + [dead_letter_queue(q) for q in QUEUES]:
                if queue not in before:
                    channel.queue_delete(queue=queue)
        finally:
            connection.close()
