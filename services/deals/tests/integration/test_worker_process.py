"""The real worker process (chassis worker_main, eventlet, nameko, RabbitMQ on 127.0.0.1) turns
a published lead_conversion_requested into one account, contact and deal and answers
lead_conversion_completed through the outbox — once for a redelivered event, and with the same
ids for a retried request of the same conversion."""

from __future__ import annotations

import uuid

import pika
import pytest
from deals_testkit import STAGES, WORKER
from sqlalchemy import func, select

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm_chassis import events
from crm_deals.adapters import orm
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.entrypoints.settings import load
from crm_deals.entrypoints.wiring import build_dependencies
from crm_deals.service_layer import pipelines
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.sales_lines import record_sales_line
from crm_testkit import AMQP_URL, free_port, wait_until
from crm_testkit.messaging import publish_as, service_worker

pytestmark = pytest.mark.integration
QUEUE = "evt-leads-lead_conversion_requested--deals.on_lead_conversion_requested"


def publish(channel, source: str, event_type: str, message) -> None:
    """As a relay would: nameko's wire format on <source>.events, routing key = type, by the
    source's own broker user (the worker refuses an event its type's owner did not publish);
    ``channel`` is the worker fixture's, not the publisher's."""
    publish_as(source, event_type, message)


def conversion_requested(conversion_id: str, lead_id: str, line: str, attempt: int):
    message = leads_events.LeadConversionRequested(
        lead=lead_pb2.Lead(
            id=lead_id,
            data=lead_pb2.LeadInput(
                person=lead_pb2.Person(
                    first_name="Ada", last_name="Lovelace", email="ada@example.test", title="CTO"
                ),
                company=lead_pb2.Company(name="Analytical Engines Ltd"),
                sales_line_id=line,
                source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, campaign_id="campaign-1"),
            ),
            assignment=lead_pb2.Assignment(team_id="team-a", owner_user_id="alice"),
        ),
        conversion=lead_pb2.Conversion(
            conversion_id=conversion_id,
            expected_amount=money_pb2.Money(amount="4200.00", currency="EUR"),
        ),
        attempt=attempt,
    )
    events.stamp(
        message,
        producer="leads",
        event_type="lead_conversion_requested",
        aggregate_type="lead",
        aggregate_id=lead_id,
        aggregate_version=attempt,
    )
    return message


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def answers(engine, conversion_id: str, event_type: str, message_cls) -> list:
    t = orm.outbox
    with engine.connect() as conn:
        payloads = (
            conn.execute(select(t.c.payload).where(t.c.event_type == event_type)).scalars().all()
        )
    decoded = [events.decode(p, message_cls) for p in payloads]
    return [a for a in decoded if a.conversion_id == conversion_id]


@pytest.fixture
def worker(database_url, tmp_path):
    env = dict(
        CRM_DEALS_DATABASE_URL=database_url,
        CRM_DEALS_AMQP_URL=AMQP_URL,
        CRM_DEALS_METRICS_PORT=str(free_port()),
        CRM_DEALS_LOG_FORMAT="json",
    )
    log_path = tmp_path / "worker.log"
    with service_worker("deals", env, log_path) as process:
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = connection.channel()

        def consuming():
            nonlocal channel
            if process.poll() is not None:
                raise AssertionError(f"worker exited: {log_path.read_text()[-3000:]}")
            # Exactly ours: the queue name is fixed by the topology, and another deals worker
            # on this broker (another run, a `make run`) would take some of the test's events.
            try:
                return channel.queue_declare(QUEUE, passive=True).method.consumer_count == 1
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                channel = connection.channel()  # not declared yet (a fresh virtual host)
                return False

        try:
            wait_until(
                consuming,
                timeout=60,
                message="the worker does not consume conversions, "
                "or another deals worker consumes the same queue on this broker",
            )
            yield channel, log_path
        finally:
            connection.close()


def test_a_conversion_is_done_once_however_often_it_arrives(worker, database_url, engine):
    channel, log_path = worker
    line = f"line-{uuid.uuid4().hex[:8]}"
    deps = build_dependencies(load(env={}, database_url=database_url), engine=engine)
    # territory's sales_line_changed, as the worker stores it
    record_sales_line(deps, WORKER, SalesLine(line, "Worker line", "quote", True, 1))
    pipelines.create_pipeline(
        deps,
        Caller("root", roles=frozenset({"admin"})),
        sales_line_id=line,
        name="Worker test",
        stages=STAGES,
    )
    conversion_id, lead_id = uuid.uuid4().hex, uuid.uuid4().hex
    first = conversion_requested(conversion_id, lead_id, line, attempt=1)
    retried = conversion_requested(conversion_id, lead_id, line, attempt=2)
    publish(channel, "leads", "lead_conversion_requested", first)
    publish(channel, "leads", "lead_conversion_requested", first)  # redelivery: same event id
    publish(channel, "leads", "lead_conversion_requested", retried)  # leads' retry: new event

    def both_handled():
        return (
            count(
                engine,
                orm.inbox,
                orm.inbox.c.event_id.in_([first.meta.event_id, retried.meta.event_id]),
            )
            == 2
        )

    try:
        wait_until(both_handled, timeout=60, message="lead_conversion_requested not handled")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log\n{log_path.read_text()[-4000:]}") from None

    rejected = answers(
        engine, conversion_id, "lead_conversion_rejected", deals_events.LeadConversionRejected
    )
    assert rejected == [], rejected
    completed = answers(
        engine, conversion_id, "lead_conversion_completed", deals_events.LeadConversionCompleted
    )
    assert (
        len(completed) == 2
        and len({(a.account_id, a.contact_id, a.opportunity_id) for a in completed}) == 1
    )
    answer = completed[0]
    assert count(engine, orm.conversions, orm.conversions.c.conversion_id == conversion_id) == 1
    assert count(engine, orm.accounts, orm.accounts.c.id == answer.account_id) == 1
    assert count(engine, orm.contacts, orm.contacts.c.account_id == answer.account_id) == 1
    assert (
        count(engine, orm.opportunities, orm.opportunities.c.account_id == answer.account_id) == 1
    )
    with deps.uow() as uow:
        deal = uow.opportunities.get(answer.opportunity_id)
    assert (deal.originating_lead_id, deal.campaign_id, str(deal.estimated_revenue)) == (
        lead_id,
        "campaign-1",
        "4200.00 EUR",
    )
