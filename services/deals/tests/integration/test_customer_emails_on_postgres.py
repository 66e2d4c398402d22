"""Customer e-mails on PostgreSQL through a real SMTP server (aiosmtpd sink): exactly one
HTML e-mail per committed move, only to the consenting contact, however often the broker
redelivers the command; a server that cannot be reached leaves the e-mail visibly failing."""

from __future__ import annotations

import dataclasses

import pytest
from deals_dsn import dsn
from deals_receivers import SmtpSink
from deals_sql_testkit import RecordingSqlUnitOfWork
from test_automation_delivery import _committed_commands, _consume

from crm_chassis.db import make_session_factory
from crm_deals.adapters.automation_delivery import AutomationDelivery
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.service_layer import accounts, activities, customer_emails, deals
from crm_testkit import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


def _delivery(world, engine, port):
    factory = make_session_factory(engine)
    deps = dataclasses.replace(world.deps, uow=lambda: RecordingSqlUnitOfWork(factory))
    mailer = SmtpMailer("127.0.0.1", port, sender="crm@example.test", timeout_seconds=5)
    webhooks = WebhookSender(timeout_seconds=5, allow_private_addresses=True)
    return AutomationDelivery(deps, mailer, webhooks, lease_seconds=60)


def _deal(world, first_name, consent, last_name="Doe"):
    account = world.account(name=f"{first_name} Ltd")
    person = world.call(
        accounts.create_contact,
        world.alice,
        account_id=account.id,
        first_name=first_name,
        last_name=last_name,
        email=f"{first_name.lower()}@example.test",
        email_consent=consent,
    )
    return world.deal(account=account, primary_contact_id=person.id, name=f"{first_name} deal")


def _set_template(world):
    world.call(
        customer_emails.set_template,
        world.admin,
        pipeline_id=world.pipeline.id,
        stage_key="propose",
        language="",
        subject="{{ deal.name }}: next steps",
        body="<p>Dear {{ contact.full_name }}, welcome to {{ deal.stage }}.</p>",
    )


def test_exactly_one_email_per_committed_move_only_to_consenting_contacts(
    sql_world, world_engine, smtp
):
    w = sql_world
    _set_template(w)
    yes = _deal(w, "Grace", consent=True, last_name="<i>Hopper</i>")
    no = _deal(w, "Alan", consent=False)
    for deal in (yes, no):
        w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    commands = [c for c in _committed_commands(world_engine) if c[0] == "customer_email_requested"]
    assert len(commands) == 1
    delivery = _delivery(w, world_engine, smtp.port)
    _consume(delivery, commands, times=3)  # the broker redelivers the command
    assert delivery.send_due() == 1
    _consume(delivery, commands)
    assert delivery.send_due() == 0

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["grace@example.test"]
    assert message["Subject"] == "Grace deal: next steps"
    html = message.get_body(("html",)).get_content()
    assert "Dear Grace &lt;i&gt;Hopper&lt;/i&gt;, welcome to Propose." in html
    (sent,) = w.call(customer_emails.list_sent, w.alice, yes.id)
    assert (sent.state, sent.attempts) == ("sent", 1)
    assert w.call(customer_emails.list_sent, w.alice, no.id) == []


def test_an_unreachable_server_leaves_the_email_visibly_failing(sql_world, world_engine):
    w = sql_world
    _set_template(w)
    deal = _deal(w, "Ada", consent=True)
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    commands = [c for c in _committed_commands(world_engine) if c[0] == "customer_email_requested"]
    delivery = _delivery(w, world_engine, free_port())  # nothing listens there
    _consume(delivery, commands)
    assert delivery.send_due() == 1
    (pending,) = w.call(customer_emails.list_sent, w.alice, deal.id)
    assert pending.state == "pending" and pending.attempts == 1
    assert "SMTP 127.0.0.1" in pending.last_error


def _commands(world_engine, seen: int):
    found = [c for c in _committed_commands(world_engine) if c[0] == "customer_email_requested"]
    return found[seen:]


def test_every_consenting_contact_then_a_real_bounce_stops_the_address(
    sql_world, world_engine, smtp
):
    """Two consenting contacts get one e-mail each per committed move; the receiving side then
    reports Grace's address unknown in a DSN that returns the e-mail's headers: the e-mail shows
    bounced, on the timeline too, an e-mail queued for her before the bounce is withheld at send
    time, and the next move e-mails only Ada."""
    w = sql_world
    _set_template(w)
    deal = _deal(w, "Grace", consent=True)
    ada = w.call(
        accounts.create_contact,
        w.alice,
        account_id=deal.account_id,
        first_name="Ada",
        last_name="Byron",
        email="ada@example.test",
        email_consent=True,
    )
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    first = _commands(world_engine, 0)
    delivery = _delivery(w, world_engine, smtp.port)
    _consume(delivery, first, times=2)
    assert delivery.send_due() == 2
    assert sorted(r[0] for r, _ in smtp.messages) == ["ada@example.test", "grace@example.test"]
    to_grace = next(m for r, m in smtp.messages if r == ["grace@example.test"])

    # A second move is committed (and queued for both) before the bounce arrives.
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "negotiate")
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    second = _commands(world_engine, 2)
    assert len(second) == 2

    report = dsn("grace@example.test", message_id=to_grace["Message-ID"])
    (outcome,) = w.call(customer_emails.ingest_bounce, w.admin, report)
    assert (outcome.outcome, outcome.bounce.severity) == ("recorded", "hard")
    _consume(delivery, second)
    assert delivery.send_due() == 2
    assert len(smtp.messages) == 3  # Ada's second e-mail only
    states = sorted(d.state for d in w.call(customer_emails.list_sent, w.alice, deal.id))
    assert states == ["bounced", "sent", "sent", "withheld"]
    withheld = next(
        d for d in w.call(customer_emails.list_sent, w.alice, deal.id) if d.state == "withheld"
    )
    assert "bounced hard (5.1.1)" in withheld.last_error
    timeline = w.call(
        activities.timeline, w.alice, target_type="opportunity", target_id=deal.id
    ).items
    assert any(a.subject.startswith("E-mail to grace@example.test bounced") for a in timeline)

    w.call(deals.move_deal_to_stage, w.alice, deal.id, "negotiate")
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    assert [c.contact_id for _, c in _commands(world_engine, 4)] == [ada.id]
    (listed,) = w.call(customer_emails.list_bounced_addresses, w.admin)
    assert (listed.address, listed.status) == ("grace@example.test", "5.1.1")
    w.call(customer_emails.clear_bounced_address, w.admin, "Grace@Example.test")
    assert w.call(customer_emails.list_bounced_addresses, w.admin) == []
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "negotiate")
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    again = [c.contact_id for _, c in _commands(world_engine, 5)]
    assert sorted(again) == sorted([ada.id, deal.primary_contact_id])
