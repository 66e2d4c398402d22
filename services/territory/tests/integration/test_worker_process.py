"""The real worker process (chassis worker_main, eventlet, nameko, RabbitMQ on 127.0.0.1) routes
a published lead_created into exactly one lead_routed in the outbox — also when the same event
is delivered twice and when leads publishes the lead twice — empties a deactivated user's
scopes at once, and counts a deal deals publishes as its owner's open item until it is won."""

import contextlib
import json

import pika
import pytest
from sqlalchemy import func, select

from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2
from crm.identity.v1 import events_pb2 as identity_events
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
LEAD_QUEUE = "evt-leads-lead_created--territory.on_lead_created"


def publish(channel, source: str, event_type: str, message) -> None:
    """As a relay would: nameko's wire format on <source>.events, routing key = type, by the
    source's own broker user (the worker refuses an event its type's owner did not publish);
    ``channel`` is the worker fixture's, not the publisher's."""
    publish_as(source, event_type, message)


def lead_created(lead_id: str, campaign: str) -> leads_events.LeadCreated:
    # Only the campaign routes it: tests share the database, and other tests' territories
    # take countries (a lead from DE could match one of them first).
    message = leads_events.LeadCreated(
        lead=lead_pb2.Lead(
            id=lead_id,
            data=lead_pb2.LeadInput(
                location=lead_pb2.Location(city="Berlin"),
                source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, campaign_id=campaign),
            ),
        )
    )
    events.stamp(
        message,
        producer="leads",
        event_type="lead_created",
        aggregate_type="lead",
        aggregate_id=lead_id,
        aggregate_version=1,
    )
    return message


def user_deactivated(user_id: str) -> identity_events.UserDeactivated:
    message = identity_events.UserDeactivated(
        user=identity_events.UserSnapshot(
            id=user_id,
            display_name="Leaver",
            status="deactivated",
            departments=["sales"],
            version=9,
        ),
        reason="left the company",
    )
    events.stamp(
        message,
        producer="identity",
        event_type="user_deactivated",
        aggregate_type="user",
        aggregate_id=user_id,
        aggregate_version=9,
    )
    return message


def outbox_rows(engine, aggregate_id: str, event_type: str) -> list[str]:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(orm.outbox.c.payload).where(
                    orm.outbox.c.aggregate_id == aggregate_id, orm.outbox.c.event_type == event_type
                )
            )
            .scalars()
            .all()
        )


def handled(engine, *event_ids: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(orm.inbox).where(orm.inbox.c.event_id.in_(event_ids))
        ).scalar_one() == len(event_ids)


def consumers_of_lead_created() -> int:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return connection.channel().queue_declare(LEAD_QUEUE, passive=True).method.consumer_count
    finally:
        connection.close()


def wait_for(predicate, what: str, log_path) -> None:
    try:
        wait_until(predicate, timeout=60, message=what)
    except AssertionError as exc:
        # The queues are the platform's own: another territory worker on this broker (make run,
        # an end-to-end bed) takes deliveries too, into its own database.
        raise AssertionError(
            f"{exc} (consumers of {LEAD_QUEUE}: {consumers_of_lead_created()}, "
            f"1 expected)\n--- worker log\n{log_path.read_text()[-4000:]}"
        ) from None


@contextlib.contextmanager
def running_worker(database_url: str, log_path):
    """The worker process on ``database_url``, consuming; yields a broker channel."""
    env = dict(
        CRM_TERRITORY_DATABASE_URL=database_url,
        CRM_TERRITORY_AMQP_URL=AMQP_URL,
        CRM_TERRITORY_METRICS_PORT=str(free_port()),
        CRM_TERRITORY_LOG_FORMAT="json",
    )
    with service_worker("territory", env, log_path) as process:
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = connection.channel()

        def consuming():
            if process.poll() is not None:
                raise AssertionError(f"worker exited: {log_path.read_text()[-3000:]}")
            return channel.queue_declare(LEAD_QUEUE, passive=True).method.consumer_count > 0

        try:
            wait_until(consuming, timeout=60, message="the worker does not consume lead_created")
            yield channel
        finally:
            connection.close()


@pytest.fixture
def worker(database_url, tmp_path):
    log_path = tmp_path / "worker.log"
    with running_worker(database_url, log_path) as channel:
        yield channel, log_path


def test_a_published_lead_is_routed_once_however_often_it_arrives(worker, org, engine):
    channel, log_path = worker
    team, _, _, reps, campaign = org.sales_team(2)
    lead_id = unique("lead")
    first = lead_created(lead_id, campaign)
    republished = lead_created(lead_id, campaign)  # leads publishing the same lead again
    publish(channel, "leads", "lead_created", first)
    publish(channel, "leads", "lead_created", first)  # a redelivery: same event id
    publish(channel, "leads", "lead_created", republished)

    wait_for(
        lambda: handled(engine, first.meta.event_id, republished.meta.event_id),
        "lead_created not handled",
        log_path,
    )
    [payload] = outbox_rows(engine, lead_id, "lead_routed")
    routed = events.decode(payload, territory_events.LeadRouted)
    assert routed.team_id == team.id and routed.owner_user_id in reps
    assert routed.explanation.rule.name == f"{campaign} leads"


def test_a_deactivated_user_gets_empty_scopes_at_once(worker, org, engine):
    channel, log_path = worker
    _team, _, _, reps, _ = org.sales_team(1)
    leaver = reps[0]
    message = user_deactivated(leaver)
    publish(channel, "identity", "user_deactivated", message)

    wait_for(
        lambda: handled(engine, message.meta.event_id), "user_deactivated not handled", log_path
    )
    changed = [
        events.decode(p, territory_events.UserAccessChanged)
        for p in outbox_rows(engine, leaver, "user_access_changed")
    ]
    latest = max(changed, key=lambda m: m.meta.aggregate_version)
    assert not latest.user_scopes.active and list(latest.user_scopes.scopes) == []


def test_a_bulk_import_is_routed_each_lead_once_and_fairly(worker, org, engine):
    channel, log_path = worker
    _team, _, _, reps, campaign = org.sales_team(3)
    messages = [lead_created(unique("bulk"), campaign) for _ in range(30)]
    for message in messages:
        publish(channel, "leads", "lead_created", message)

    wait_for(
        lambda: handled(engine, *(m.meta.event_id for m in messages)),
        "the bulk import was not handled",
        log_path,
    )
    lead_ids = [m.lead.id for m in messages]
    with engine.connect() as conn:
        rows = conn.execute(
            select(orm.routing_decisions.c.owner_user_id).where(
                orm.routing_decisions.c.lead_id.in_(lead_ids)
            )
        ).all()
        events_count = conn.execute(
            select(func.count())
            .select_from(orm.outbox)
            .where(
                orm.outbox.c.aggregate_id.in_(lead_ids), orm.outbox.c.event_type == "lead_routed"
            )
        ).scalar_one()
    assert len(rows) == events_count == 30
    # Fair round robin over three members, although up to ten deliveries are handled at once.
    assert sorted(sum(1 for r in rows if r.owner_user_id == rep) for rep in reps) == [10, 10, 10]


def test_the_worker_of_make_run_routes_on_its_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'territory.db'}"
    migrate.upgrade(url)
    deps = build_dependencies(
        TerritorySettings.load("territory", env={}, database_url=url), directory=MemoryDirectory()
    )
    _team, _, _, reps, campaign = OrgBuilder(deps).sales_team(2)
    messages = [lead_created(unique("local"), campaign) for _ in range(6)]
    log_path = tmp_path / "worker.log"
    with running_worker(url, log_path) as channel:
        for message in messages:
            publish(channel, "leads", "lead_created", message)
        engine = make_engine(url)
        try:
            wait_for(
                lambda: handled(engine, *(m.meta.event_id for m in messages)),
                "lead_created not handled on SQLite",
                log_path,
            )
            owners = [
                events.decode(p, territory_events.LeadRouted).owner_user_id
                for m in messages
                for p in outbox_rows(engine, m.lead.id, "lead_routed")
            ]
        finally:
            engine.dispose()
    assert sorted(owners) == sorted(reps * 3)


def lead_assigned(lead_id: str, team_id: str, owner_user_id: str) -> leads_events.LeadAssigned:
    message = leads_events.LeadAssigned(
        lead_id=lead_id,
        assignment=lead_pb2.Assignment(
            team_id=team_id, owner_user_id=owner_user_id, method="manual"
        ),
    )
    events.stamp(
        message,
        producer="leads",
        event_type="lead_assigned",
        aggregate_type="lead",
        aggregate_id=lead_id,
        aggregate_version=2,
    )
    return message


def in_queue(engine, lead_id: str):
    with engine.connect() as conn:
        return conn.execute(
            select(orm.routing_decisions.c.in_queue).where(
                orm.routing_decisions.c.lead_id == lead_id
            )
        ).scalar()


def test_an_unroutable_lead_waits_in_the_queue_until_a_person_takes_it(worker, org, engine):
    channel, log_path = worker
    team, _, _, reps, _ = org.sales_team(1)
    lead_id = unique("stray")
    created = lead_created(lead_id, unique("no-territory-campaign"))
    to_queue = lead_assigned(lead_id, team.id, "")  # leads applying lead_unroutable
    publish(channel, "leads", "lead_created", created)
    wait_for(lambda: handled(engine, created.meta.event_id), "lead_created not handled", log_path)
    assert len(outbox_rows(engine, lead_id, "lead_unroutable")) == 1 and in_queue(engine, lead_id)

    publish(channel, "leads", "lead_assigned", to_queue)
    wait_for(lambda: handled(engine, to_queue.meta.event_id), "lead_assigned not handled", log_path)
    assert in_queue(engine, lead_id)  # no person took it yet
    by_hand = lead_assigned(lead_id, team.id, reps[0])
    publish(channel, "leads", "lead_assigned", by_hand)
    wait_for(lambda: handled(engine, by_hand.meta.event_id), "lead_assigned not handled", log_path)
    assert in_queue(engine, lead_id) is False


def test_an_applied_routing_batch_takes_its_leads_out_of_the_queue_and_counts_them(
    worker, org, engine
):
    """leads' leads_assigned (the bulk lane): each item is taken as its lead_assigned would be;
    a redelivery changes nothing twice."""
    channel, log_path = worker
    team, _, _, reps, _ = org.sales_team(1)
    strays = [unique("stray") for _ in range(2)]
    created = [lead_created(lead_id, unique("no-territory-campaign")) for lead_id in strays]
    for message in created:
        publish(channel, "leads", "lead_created", message)
    wait_for(
        lambda: handled(engine, *(m.meta.event_id for m in created)),
        "lead_created not handled",
        log_path,
    )
    assert all(in_queue(engine, lead_id) for lead_id in strays)
    batch = leads_events.LeadsAssigned(
        assigned=[
            lead_assigned(strays[0], team.id, reps[0]),  # a person took it
            lead_assigned(strays[1], team.id, ""),  # placed in the queue team only
        ]
    )
    sentinel = leads_events.LeadsAssigned()  # behind the redelivery on the same queue
    for message in (batch, sentinel):
        events.stamp(
            message,
            producer="leads",
            event_type="leads_assigned",
            aggregate_type="lead_assignment_batch",
            aggregate_id=unique("batch"),
            aggregate_version=1,
        )
    publish(channel, "leads", "leads_assigned", batch)
    wait_for(lambda: handled(engine, batch.meta.event_id), "leads_assigned not handled", log_path)
    assert in_queue(engine, strays[0]) is False and in_queue(engine, strays[1])
    assert open_items(engine, team.id).get(reps[0]) == 1
    publish(channel, "leads", "leads_assigned", batch)  # redelivered
    publish(channel, "leads", "leads_assigned", sentinel)
    wait_for(lambda: handled(engine, sentinel.meta.event_id), "sentinel not handled", log_path)
    assert open_items(engine, team.id).get(reps[0]) == 1


def deal_event(
    message_cls,
    event_type: str,
    deal_id: str,
    version: int,
    team_id: str,
    owner_user_id: str,
    status: int,
):
    message = message_cls(
        deal=resources_pb2.Opportunity(
            id=deal_id, team_id=team_id, owner_user_id=owner_user_id, status=status, version=version
        )
    )
    events.stamp(
        message,
        producer="deals",
        event_type=event_type,
        aggregate_type="opportunity",
        aggregate_id=deal_id,
        aggregate_version=version,
    )
    return message


def open_items(engine, team_id: str) -> dict[str, int]:
    with engine.connect() as conn:
        members = conn.execute(
            select(orm.team_ledgers.c.members).where(orm.team_ledgers.c.team_id == team_id)
        ).scalar_one()
    return {uid: load[4] for uid, load in json.loads(members).items() if load[4]}


def consumed(queue: str) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count > 0
    except pika.exceptions.ChannelClosedByBroker:  # not declared yet
        return False
    finally:
        if connection.is_open:
            connection.close()


def test_a_deal_counts_for_its_owner_until_it_is_won(worker, org, engine):
    channel, log_path = worker
    team, _, _, reps, _ = org.sales_team(2)
    # Queues a first run of the worker declares: a deal published before they are bound is
    # dropped by the exchange.
    for method in ("on_deal_created", "on_deal_won"):
        queue = f"evt-deals-{method.removeprefix('on_')}--territory.{method}"
        wait_until(
            lambda queue=queue: consumed(queue),
            timeout=60,
            message=f"the worker does not consume {queue}",
        )
    deal_id = unique("deal")
    created = deal_event(
        deals_events.DealCreated,
        "deal_created",
        deal_id,
        1,
        team.id,
        reps[1],
        resources_pb2.DEAL_STATUS_OPEN,
    )
    publish(channel, "deals", "deal_created", created)
    wait_for(lambda: handled(engine, created.meta.event_id), "deal_created not handled", log_path)
    assert open_items(engine, team.id) == {reps[1]: 1}

    won = deal_event(
        deals_events.DealWon,
        "deal_won",
        deal_id,
        2,
        team.id,
        reps[1],
        resources_pb2.DEAL_STATUS_WON,
    )
    publish(channel, "deals", "deal_won", won)
    wait_for(lambda: handled(engine, won.meta.event_id), "deal_won not handled", log_path)
    assert open_items(engine, team.id) == {}


def test_many_assignments_at_once_leave_each_owner_with_their_leads(worker, org, engine):
    # lead_assigned is taken in batches: 12 leads each assigned to one rep, then 6 of them
    # handed to the other rep (newer versions), all published at once. The counts are the
    # final owners', each event handled once.
    channel, log_path = worker
    team, _, _, reps, _ = org.sales_team(2)
    wait_until(
        lambda: consumed("evt-leads-lead_assigned--territory.on_lead_assigned"),
        timeout=60,
        message="the worker does not consume lead_assigned",
    )
    leads = [unique("lead") for _ in range(12)]
    sent = []
    for version, (owner, chosen) in enumerate(((reps[0], leads), (reps[1], leads[:6])), start=2):
        for lead_id in chosen:
            message = lead_assigned(lead_id, team.id, owner)
            message.meta.aggregate_version = version
            sent.append(message)
    for message in sent:
        publish(channel, "leads", "lead_assigned", message)
    wait_for(
        lambda: all(handled(engine, m.meta.event_id) for m in sent),
        "lead_assigned not all handled",
        log_path,
    )
    assert open_items(engine, team.id) == {reps[0]: 6, reps[1]: 6}
