"""Personal data on PostgreSQL: a withdrawn consent withholds an e-mail already queued (never
sent, the reason kept), and an erasure leaves no trace of the person in deals' tables: contacts,
activities, history, the customer e-mails' stored messages and the outbox payloads."""

from __future__ import annotations

import pytest
from deals_receivers import SmtpSink
from sqlalchemy import select
from test_automation_delivery import _committed_commands, _consume
from test_customer_emails_on_postgres import _delivery, _set_template

from crm_chassis.privacy import DATA_PROTECTION_OFFICER
from crm_deals.adapters import orm
from crm_deals.service_layer import accounts, activities, customer_emails, deals, privacy
from crm_deals.service_layer.access import Caller

pytestmark = pytest.mark.integration

DPO = Caller("dora", roles=frozenset({DATA_PROTECTION_OFFICER}))
EMAIL = "vera.vogel@example.test"


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


def _vera(w):
    account = w.account(name="Vogel Wasser GmbH")
    person = w.call(
        accounts.create_contact,
        w.alice,
        account_id=account.id,
        first_name="Vera",
        last_name="Vogelsang",
        email="Vera.Vogel@Example.test",
        phone="+49 30 7654321",
        email_consent=True,
    )
    deal = w.deal(account=account, primary_contact_id=person.id, name="Vogel water")
    return person, deal


def _texts(engine) -> str:
    """Every text column deals keeps a person in, lower-cased, as one string."""
    with engine.connect() as conn:
        parts = [
            *conn.execute(select(orm.contacts.c.body, orm.contacts.c.full_name)).all(),
            *conn.execute(select(orm.activities.c.body)).all(),
            *conn.execute(select(orm.history.c.body)).all(),
            *conn.execute(select(orm.outbox.c.payload)).all(),
        ]
    return " ".join(str(value) for row in parts for value in row).lower()


def test_a_consent_withdrawn_after_the_move_withholds_the_queued_email(
    sql_world, world_engine, smtp
):
    w = sql_world
    _set_template(w)
    person, deal = _vera(w)
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")
    commands = [c for c in _committed_commands(world_engine) if c[0] == "customer_email_requested"]
    assert len(commands) == 1
    w.call(
        privacy.record_consent,
        w.alice,
        contact_id=person.id,
        channel="email",
        granted=False,
        source="unsubscribe link",
    )
    delivery = _delivery(w, world_engine, smtp.port)
    _consume(delivery, commands)
    assert delivery.send_due() == 1
    assert smtp.messages == []
    (withheld,) = w.call(customer_emails.list_sent, w.alice, deal.id)
    assert (withheld.state, withheld.attempts) == ("withheld", 0)
    assert "consent to e-mails withdrawn" in withheld.last_error
    assert delivery.send_due() == 0  # final: never tried again
    (consent,) = w.call(privacy.list_consents, w.alice, person.id)
    assert (consent.granted, consent.source) == (False, "unsubscribe link")


def test_erasure_leaves_no_trace_of_the_person_in_deals(sql_world, world_engine, smtp):
    w = sql_world
    _set_template(w)
    person, deal = _vera(w)
    w.call(
        activities.log_activity,
        w.alice,
        target_type="contact",
        target_id=person.id,
        kind="call",
        subject="Call with Vera Vogelsang",
        body="mobile +49 30 7654321",
    )
    w.call(deals.move_deal_to_stage, w.alice, deal.id, "propose")  # a customer e-mail, logged
    commands = [c for c in _committed_commands(world_engine) if c[0] == "customer_email_requested"]
    delivery = _delivery(w, world_engine, smtp.port)
    _consume(delivery, commands)
    assert delivery.send_due() == 1 and len(smtp.messages) == 1
    _, before = w.call(privacy.export_person, DPO, EMAIL)
    assert [c["id"] for c in before["contacts"]] == [person.id]
    assert len(before["activities"]) == 2  # the call, and the e-mail logged on the deal
    assert [e["state"] for e in before["customer_emails"]] == ["sent"]
    assert EMAIL in _texts(world_engine) and "vogelsang" in _texts(world_engine)

    request = w.call(privacy.request_erasure, DPO, email=EMAIL, reason="art. 17 request")

    texts = _texts(world_engine)
    assert "vogelsang" not in texts and "7654321" not in texts
    # The one copy of the address left is the request's own event, until the request completes.
    assert texts.count(EMAIL) == 1
    deals_part = {c.service: c for c in request.confirmations}["deals"]
    assert deals_part.erased["contacts"] == 1 and deals_part.erased["activities"] == 2
    assert deals_part.erased["customer_emails"] == 1
    _, after = w.call(privacy.export_person, DPO, EMAIL)
    assert all(records == [] for records in after.values())
    # The deal, the account and the timeline entries stay (without the person).
    with w.deps.uow() as uow:
        assert uow.opportunities.get(deal.id).name == "Vogel water"

    for service in ("leads", "reporting"):
        with w.deps.uow() as uow:
            privacy.on_erased(uow, w.deps, service=service, request_id=request.id, erased={})
            uow.commit()
    assert w.call(privacy.get_request, DPO, request.id).state == "completed"
    assert EMAIL not in _texts(world_engine)
