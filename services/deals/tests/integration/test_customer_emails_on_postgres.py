"""Customer e-mails on PostgreSQL through a real SMTP server (aiosmtpd sink): exactly one
HTML e-mail per committed move, only to the consenting contact, however often the broker
redelivers the command; a server that cannot be reached leaves the e-mail visibly failing."""

from __future__ import annotations

import dataclasses

import pytest
from deals_receivers import SmtpSink
from deals_sql_testkit import RecordingSqlUnitOfWork
from test_automation_delivery import _committed_commands, _consume

from crm_chassis.db import make_session_factory
from crm_deals.adapters.automation_delivery import AutomationDelivery
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.service_layer import accounts, customer_emails, deals
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
