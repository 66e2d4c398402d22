"""Bounces reported after a customer e-mail was accepted: a DSN (RFC 3464) read into the
recipient and status, matched to its delivery by Message-ID (or idempotency key), the delivery
bounced and logged on the deal's timeline, and a hard-bounced address sent nothing until
cleared."""

import pytest
from deals_dsn import dsn

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain import bounces
from crm_deals.domain.deliveries import message_id_of
from crm_deals.service_layer import accounts, customer_emails, deals, deliveries
from crm_deals.service_layer.access import Caller

WORKER = Caller.system("deals-worker")


def test_a_dsn_is_read_into_its_failed_recipients():
    (hard,) = bounces.parse_dsn(dsn("Ada@Example.test", message_id="<m1@crm-deals>"))
    assert (hard.recipient, hard.status, hard.severity) == ("ada@example.test", "5.1.1", "hard")
    assert hard.message_id == "<m1@crm-deals>" and hard.idempotency_key == ""
    assert "User unknown" in hard.diagnostic and hard.reason.startswith("bounced (hard, 5.1.1)")
    (soft,) = bounces.parse_dsn(
        dsn("b@example.test", message_id="<m2@crm-deals>", idempotency_key="k", status="4.2.2")
    )
    assert (soft.severity, soft.idempotency_key) == ("soft", "k")
    delayed = dsn("c@example.test", message_id="<m3@crm-deals>", action="delayed", status="4.4.1")
    assert bounces.parse_dsn(delayed) == []


@pytest.mark.parametrize(
    "raw",
    [b"", b"Subject: hello\r\n\r\nnot a report\r\n", b"Content-Type: multipart/report\r\n\r\nx"],
)
def test_what_is_not_a_dsn_is_bad_input(raw):
    with pytest.raises(InvalidArgument) as error:
        bounces.parse_dsn(raw)
    assert error.value.field == "message"


def _template(world):
    world.call(
        customer_emails.set_template,
        world.admin,
        pipeline_id=world.pipeline.id,
        stage_key="propose",
        language="",
        subject="Hello {{ contact.first_name }}",
        body="<p>{{ deal.name }}</p>",
    )


def _contact(world, account, first_name):
    return world.call(
        accounts.create_contact,
        world.alice,
        account_id=account.id,
        first_name=first_name,
        last_name="Doe",
        email=f"{first_name.lower()}@example.test",
        email_consent=True,
    )


def _sent(world):
    """The worker's part: every committed customer e-mail delivered and sent."""
    for command in world.uow.events("customer_email_requested"):
        key = command.cause.idempotency_key
        if world.uow.deliveries.get(key) is None:
            deliveries.begin(
                world.deps,
                WORKER,
                idempotency_key=key,
                rule_id="",
                deal_id=command.cause.deal_id,
                kind=customer_emails.KIND,
                message_id=message_id_of(key),
            )
            deliveries.record_result(world.deps, WORKER, key, ok=True)
    return world.uow.events("customer_email_requested")


def test_a_hard_bounce_marks_the_email_logs_it_and_stops_the_address_until_cleared(world):
    _template(world)
    account = world.account()
    ada, bea = _contact(world, account, "Ada"), _contact(world, account, "Bea")
    deal = world.deal(account=account, primary_contact_id=ada.id)
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    to_ada = next(c for c in _sent(world) if c.contact_id == ada.id)
    key = to_ada.cause.idempotency_key

    report = dsn("ada@example.test", message_id=message_id_of(key))  # no key header: Message-ID
    (outcome,) = world.call(customer_emails.ingest_bounce, world.admin, report)
    assert (outcome.outcome, outcome.bounce.severity) == ("recorded", "hard")
    bounced = world.uow.deliveries.get(key)
    assert bounced.state == "bounced" and "5.1.1" in bounced.last_error
    listed = {
        d.idempotency_key: d.state
        for d in world.call(customer_emails.list_sent, world.alice, deal.id)
    }
    assert listed[key] == "bounced" and list(listed.values()).count("sent") == 1
    notes = [
        e.activity
        for e in world.uow.events("activity_logged")
        if e.activity.subject.startswith("E-mail to ada@example.test bounced")
    ]
    assert len(notes) == 1 and notes[0].target.id == deal.id
    # The same DSN again changes nothing.
    (again,) = world.call(customer_emails.ingest_bounce, world.admin, report)
    assert again.outcome == "already recorded"
    (address,) = world.call(customer_emails.list_bounced_addresses, world.admin)
    assert (address.address, address.status) == ("ada@example.test", "5.1.1")

    # The next move e-mails Bea only; the preview says why Ada is skipped.
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "negotiate")
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    latest = world.uow.events("customer_email_requested")[2:]
    assert [c.contact_id for c in latest] == [bea.id]
    plan = world.call(customer_emails.preview, world.alice, deal.id, "propose")
    assert "bounced hard (5.1.1)" in plan.skipped[0]

    world.call(customer_emails.clear_bounced_address, world.admin, "ADA@example.test")
    assert world.call(customer_emails.list_bounced_addresses, world.admin) == []
    plan = world.call(customer_emails.preview, world.alice, deal.id, "propose")
    assert [p.contact.id for p in plan.emails] == [ada.id, bea.id]
    with pytest.raises(NotFound):
        world.call(customer_emails.clear_bounced_address, world.admin, "ada@example.test")


def test_a_soft_bounce_is_recorded_without_stopping_the_address(world):
    _template(world)
    account = world.account()
    ada = _contact(world, account, "Ada")
    deal = world.deal(account=account, primary_contact_id=ada.id)
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    (command,) = _sent(world)
    key = command.cause.idempotency_key
    report = dsn("ada@example.test", message_id="<other@mx>", idempotency_key=key, status="4.2.2")
    (outcome,) = world.call(customer_emails.ingest_bounce, world.admin, report)
    assert (outcome.outcome, outcome.bounce.severity) == ("recorded", "soft")
    assert world.uow.deliveries.get(key).state == "bounced"
    assert world.call(customer_emails.list_bounced_addresses, world.admin) == []


def test_unknown_messages_and_callers_outside_management_are_refused(world):
    report = dsn("x@example.test", message_id="<unknown@crm-deals>")
    (outcome,) = world.call(customer_emails.ingest_bounce, world.admin, report)
    assert outcome.outcome == "no matching e-mail"
    assert world.call(customer_emails.list_bounced_addresses, world.admin) == []
    for caller in (world.alice, world.mia):
        with pytest.raises(PermissionDenied):
            world.call(customer_emails.ingest_bounce, caller, report)
        with pytest.raises(PermissionDenied):
            world.call(customer_emails.list_bounced_addresses, caller)
    with pytest.raises(InvalidArgument):
        world.call(customer_emails.clear_bounced_address, world.admin, " ")
