"""Automation commands committed with a deal's change are delivered once: an e-mail through a
real SMTP server (local sink), a webhook signed with HMAC-SHA256 to a local receiver; a failing
receiver is retried with backoff until the delivery is visibly failed. Time is the world's fake
clock (advanced past each backoff), so nothing waits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json

import pytest
from deals_receivers import SmtpSink, WebhookReceiver
from deals_sql_testkit import RecordingSqlUnitOfWork
from deals_testkit import eur
from sqlalchemy import select

from crm.identity.v1 import events_pb2 as identity_events
from crm_chassis import events as chassis_events
from crm_chassis.db import make_session_factory
from crm_chassis.errors import FailedPrecondition
from crm_deals.adapters import orm
from crm_deals.adapters.automation_delivery import COMMANDS, AutomationDelivery
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.user_directory import apply_user_snapshot
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.domain.automation import WEBHOOK_RETRY_DELAYS
from crm_deals.service_layer import automations, deals, deliveries

pytestmark = pytest.mark.integration
SECRET = "integration-webhook-secret"


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def receiver():
    with WebhookReceiver() as hook:
        yield hook


@pytest.fixture
def delivery(sql_world, world_engine, smtp):
    factory = make_session_factory(world_engine)
    deps = dataclasses.replace(sql_world.deps, uow=lambda: RecordingSqlUnitOfWork(factory))
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="crm@example.test", timeout_seconds=5)
    webhooks = WebhookSender(timeout_seconds=5, allow_private_addresses=True)
    return AutomationDelivery(deps, mailer, webhooks, lease_seconds=60)


def _addresses(delivery, *users):
    with delivery.deps.uow() as uow:
        for user in users:
            apply_user_snapshot(
                uow.session,
                identity_events.UserCreated(
                    user=dict(
                        id=user,
                        email=f"{user}@example.test",
                        display_name=user.title(),
                        status="active",
                        version=1,
                    )
                ).user,
            )
        uow.commit()


def _committed_commands(world_engine) -> list[tuple[str, object]]:
    """The automation commands in the outbox, decoded as the worker receives them."""
    t = orm.outbox
    with world_engine.connect() as conn:
        rows = conn.execute(
            select(t.c.event_type, t.c.payload)
            .where(t.c.event_type.in_(sorted(COMMANDS)))
            .order_by(t.c.id)
        ).all()
    return [
        (row.event_type, chassis_events.decode(row.payload, COMMANDS[row.event_type][1]))
        for row in rows
    ]


def _consume(delivery, commands, times: int = 1) -> None:
    """What the worker's handler does per delivery of each command (``times`` = redeliveries)."""
    for _ in range(times):
        for event_type, command in commands:
            with delivery.deps.uow() as uow:
                AutomationDelivery.record_command(uow, delivery.deps, event_type, command)
                uow.commit()


def _move_to_propose(world, **rule):
    created = world.call(
        automations.create_rule,
        world.mia,
        pipeline_id=world.pipeline.id,
        name="on propose",
        trigger="stage_entered",
        stage_key="propose",
        team_ids=["team-a"],
        **rule,
    )
    deal = world.deal(estimated_revenue=eur("1200.00"))
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    return created, deal


def test_a_stage_email_reaches_the_smtp_server_exactly_once(
    sql_world, world_engine, delivery, smtp
):
    _addresses(delivery, "alice", "mia")
    rule, deal = _move_to_propose(
        sql_world,
        actions=[
            {
                "kind": "email",
                "recipients": ["owner", "manager"],
                "subject": "{{ deal.name }} is at {{ deal.stage }}",
                "body": "Account {{ account.name }}: {{ deal.amount }}",
            }
        ],
    )
    commands = _committed_commands(world_engine)
    assert [t for t, _ in commands] == ["automation_email_requested"]

    _consume(delivery, commands, times=3)  # the broker redelivers the command
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0  # sent is final
    _consume(delivery, commands)  # a late redelivery sends nothing either
    assert delivery.send_due() == 0

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert sorted(recipients) == ["alice@example.test", "mia@example.test"]
    assert message["Subject"] == "Acme rollout is at Propose"
    assert "Account Acme GmbH: 1200.00 EUR" in message.get_content()
    key = commands[0][1].cause.idempotency_key
    assert message["X-CRM-Idempotency-Key"] == key == f"{deal.id}@2:{rule.id}:0"
    [sent] = deliveries.list_deliveries(delivery.deps, sql_world.mia, rule.id)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 1, "")


def test_a_webhook_is_signed_and_a_failing_receiver_is_retried_until_failed(
    sql_world, world_engine, delivery, receiver
):
    rule, deal = _move_to_propose(
        sql_world, webhook_secret=SECRET, actions=[{"kind": "webhook", "url": receiver.url}]
    )
    _consume(delivery, _committed_commands(world_engine))

    receiver.status = 503
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0  # waits for its backoff
    for delay in WEBHOOK_RETRY_DELAYS:
        sql_world.clock.advance(dt.timedelta(seconds=delay))
        assert delivery.send_due() == 1
    sql_world.clock.advance(dt.timedelta(days=1))
    assert delivery.send_due() == 0  # given up
    assert len(receiver.requests) == len(WEBHOOK_RETRY_DELAYS) + 1
    [failed] = deliveries.list_deliveries(delivery.deps, sql_world.mia, rule.id, failed_only=True)
    assert failed.state == "failed" and failed.attempts == len(WEBHOOK_RETRY_DELAYS) + 1
    assert "HTTP 503" in failed.last_error

    headers, body = receiver.requests[0]
    timestamp, signature = (part.split("=", 1)[1] for part in headers["X-CRM-Signature"].split(","))
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    payload = receiver.payloads()[0]
    assert payload["deal"]["id"] == deal.id and payload["trigger"] == "stage_entered"
    # By default the receiver gets ids, stage, amounts and dates, not the deal's texts.
    assert payload["personal_data"] is False and "name" not in payload["deal"]
    assert payload["deal"]["estimated_revenue"] == {"amount": "1200.00", "currency": "EUR"}
    assert headers["X-CRM-Idempotency-Key"] == payload["idempotency_key"]


def test_a_pending_webhook_of_a_rule_without_teams_is_never_sent(
    sql_world, world_engine, delivery, receiver
):
    """Commands made before rules had teams carry any team's deal: after migration 0002 their
    rule names no team, and the sender refuses them without calling the URL."""
    rule, _ = _move_to_propose(
        sql_world, webhook_secret=SECRET, actions=[{"kind": "webhook", "url": receiver.url}]
    )
    _consume(delivery, _committed_commands(world_engine))
    t = orm.automation_rules
    with world_engine.begin() as conn:
        body = json.loads(conn.execute(select(t.c.body).where(t.c.id == rule.id)).scalar_one())
        body.update(team_ids=[])
        conn.execute(t.update().where(t.c.id == rule.id).values(body=json.dumps(body)))
    assert delivery.send_due() == 1
    assert receiver.requests == []
    with delivery.deps.uow() as uow:
        [pending] = uow.deliveries.for_rule(rule.id)
    assert "a rule without teams is never sent" in pending.last_error


def test_a_webhook_that_recovers_is_sent_once(sql_world, world_engine, delivery, receiver):
    rule, _ = _move_to_propose(
        sql_world, webhook_secret=SECRET, actions=[{"kind": "webhook", "url": receiver.url}]
    )
    _consume(delivery, _committed_commands(world_engine))
    receiver.status = 500
    delivery.send_due()
    receiver.status = 200
    sql_world.clock.advance(dt.timedelta(seconds=WEBHOOK_RETRY_DELAYS[0]))
    assert delivery.send_due() == 1
    sql_world.clock.advance(dt.timedelta(days=1))
    assert delivery.send_due() == 0
    assert len(receiver.requests) == 2
    [sent] = deliveries.list_deliveries(delivery.deps, sql_world.mia, rule.id)
    assert (sent.state, sent.attempts) == ("sent", 2)


def test_a_rolled_back_change_sends_nothing(sql_world, world_engine, delivery, smtp):
    _addresses(delivery, "alice")
    sql_world.call(
        automations.create_rule,
        sql_world.mia,
        pipeline_id=sql_world.pipeline.id,
        name="on propose",
        trigger="stage_entered",
        stage_key="propose",
        team_ids=["team-a"],
        actions=[{"kind": "email", "recipients": ["owner"], "subject": "s", "body": "b"}],
    )
    deal = sql_world.deal()
    with pytest.raises(FailedPrecondition):
        sql_world.call(
            deals.move_deal_to_stage,
            sql_world.alice,
            deal.id,
            "propose",
            expected_version=deal.version + 5,
        )
    assert _committed_commands(world_engine) == []
    assert delivery.send_due() == 0 and smtp.messages == []


def test_the_webhook_guard_refuses_loopback_targets_in_production():
    from crm_deals.adapters.smtp_mailer import DeliveryError

    guarded = WebhookSender(timeout_seconds=1, allow_private_addresses=False)
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "ftp://example.com/x"):
        with pytest.raises(DeliveryError):
            guarded.post(url=url, secret=SECRET, body=b"{}", idempotency_key="k", timestamp=1)
