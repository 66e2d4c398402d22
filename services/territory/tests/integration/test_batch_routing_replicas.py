"""The bulk lane with two territory worker processes on one database and one queue: every import
batch (leads_captured) is routed by exactly one of them, into exactly one leads_routed, every lead
decided once, and round robin stays fair across the two (the team ledgers are locked per batch).
Also the same batch handler on SQLite, as make run serves it."""

import contextlib
import uuid

import pika
import pytest
from sqlalchemy import func, select

from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis import events
from crm_chassis.db import make_engine
from crm_territory import migrate
from crm_territory.adapters import orm
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.entrypoints.wiring import build_dependencies
from crm_testkit import AMQP_URL, free_port, wait_until
from crm_testkit.messaging import publish_as, service_worker

from .org_builder import MemoryDirectory, OrgBuilder, unique

pytestmark = pytest.mark.integration
QUEUE = "evt-leads-leads_captured--territory.on_leads_captured"


def leads_captured(campaign: str, size: int) -> leads_events.LeadsCaptured:
    message = leads_events.LeadsCaptured(
        import_id=unique("file"),
        leads=[
            lead_pb2.Lead(
                id=uuid.uuid4().hex,
                version=2,
                data=lead_pb2.LeadInput(
                    location=lead_pb2.Location(city="Berlin"),
                    source=lead_pb2.Source(
                        channel=lead_pb2.CHANNEL_PURCHASED_LIST, campaign_id=campaign
                    ),
                ),
            )
            for _ in range(size)
        ],
    )
    events.stamp(
        message,
        producer="leads",
        event_type="leads_captured",
        aggregate_type="lead_import_batch",
        aggregate_id=uuid.uuid4().hex,
        aggregate_version=1,
    )
    return message


def consumers() -> int:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return connection.channel().queue_declare(QUEUE, passive=True).method.consumer_count
    finally:
        connection.close()


def handled(engine, event_ids) -> bool:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(orm.inbox).where(orm.inbox.c.event_id.in_(event_ids))
        ).scalar_one() == len(event_ids)


def answers(engine, batches) -> list[territory_events.LeadsRouted]:
    with engine.connect() as conn:
        payloads = conn.execute(
            select(orm.outbox.c.payload).where(
                orm.outbox.c.event_type == "leads_routed",
                orm.outbox.c.aggregate_id.in_([b.meta.event_id for b in batches]),
            )
        ).scalars()
        return [events.decode(p, territory_events.LeadsRouted) for p in payloads]


@contextlib.contextmanager
def workers(database_url: str, tmp_path, count: int):
    with contextlib.ExitStack() as stack:
        logs = []
        for n in range(count):
            log_path = tmp_path / f"worker-{n}.log"
            env = dict(
                CRM_TERRITORY_DATABASE_URL=database_url,
                CRM_TERRITORY_AMQP_URL=AMQP_URL,
                CRM_TERRITORY_METRICS_PORT=str(free_port()),
                CRM_TERRITORY_LOG_FORMAT="json",
            )
            stack.enter_context(service_worker("territory", env, log_path))
            logs.append(log_path)
        wait_until(
            lambda: consumers() >= count,
            timeout=90,
            message=f"{count} workers do not all consume {QUEUE}",
        )
        if consumers() != count:
            # The queue is the platform's own: another territory worker on this broker (make
            # run, an end-to-end bed) would take batches into its own database.
            pytest.fail(f"{consumers()} consumers of {QUEUE}, {count} expected")
        yield logs


def test_two_workers_share_the_batches_without_double_work(database_url, engine, org, tmp_path):
    _team, _, _, reps, campaign = org.sales_team(3)
    batches = [leads_captured(campaign, 12) for _ in range(10)]
    with workers(database_url, tmp_path, 2) as logs:
        for batch in batches:
            publish_as("leads", "leads_captured", batch)
        publish_as("leads", "leads_captured", batches[0])  # a redelivered batch: nothing twice
        try:
            wait_until(
                lambda: handled(engine, [b.meta.event_id for b in batches]),
                timeout=90,
                message="the batches were not all handled",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{logs[0].read_text()[-3000:]}") from None
    lead_ids = [lead.id for b in batches for lead in b.leads]
    routed = answers(engine, batches)
    assert len(routed) == len(batches)  # one answer per batch, however they were shared
    answered = [item.lead_id for answer in routed for item in answer.routed]
    assert sorted(answered) == sorted(lead_ids)  # every lead once
    with engine.connect() as conn:
        owners = (
            conn.execute(
                select(orm.routing_decisions.c.owner_user_id).where(
                    orm.routing_decisions.c.lead_id.in_(lead_ids)
                )
            )
            .scalars()
            .all()
        )
    assert len(owners) == 120
    assert sorted(owners.count(rep) for rep in reps) == [40, 40, 40]  # fair across the two


def test_a_batch_is_routed_by_the_same_handler_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'territory.db'}"
    migrate.upgrade(url)
    deps = build_dependencies(
        TerritorySettings.load("territory", env={}, database_url=url), directory=MemoryDirectory()
    )
    _team, _, _, reps, campaign = OrgBuilder(deps).sales_team(2)
    batches = [leads_captured(campaign, 5) for _ in range(2)]
    with workers(url, tmp_path, 1):
        for batch in batches:
            publish_as("leads", "leads_captured", batch)
        engine = make_engine(url)
        try:
            wait_until(
                lambda: handled(engine, [b.meta.event_id for b in batches]),
                timeout=60,
                message="the batches were not handled on SQLite",
            )
            routed = answers(engine, batches)
        finally:
            engine.dispose()
    owners = [item.owner_user_id for answer in routed for item in answer.routed]
    assert len(routed) == 2 and sorted(owners) == sorted(reps * 5)
