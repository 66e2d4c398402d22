"""Personal data in deals: consent records (and withdrawal honoured by customer e-mails), a
person's export, and the erasure request deals coordinates (deals' own erasure in the request's
transaction, leads' confirmation completing it, the audit record)."""

import datetime as dt

import pytest

from crm_chassis.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from crm_chassis.privacy import DATA_PROTECTION_OFFICER, ERASED
from crm_deals.domain import deliveries
from crm_deals.domain.privacy import COMPLETED, IN_PROGRESS, NOTHING_FOUND
from crm_deals.service_layer import accounts, activities, customer_emails, deals, privacy
from crm_deals.service_layer.access import Caller

DPO = Caller("dora", roles=frozenset({DATA_PROTECTION_OFFICER}))
EMAIL = "vera.vogel@example.test"


def _contact(world, email=EMAIL, account=None, **fields):
    account = account or world.account()
    return world.call(
        accounts.create_contact,
        world.alice,
        account_id=account.id,
        first_name="Vera",
        last_name="Vogel",
        email=email,
        phone="+49 30 1234567",
        **fields,
    )


def _consent(world, contact, granted, caller=None, source="web form"):
    return world.call(
        privacy.record_consent,
        caller or world.alice,
        contact_id=contact.id,
        channel="email",
        granted=granted,
        source=source,
    )


# -- consents ---------------------------------------------------------------------------------
def test_consents_are_recorded_with_source_time_and_recorder_and_set_the_contacts_consent(world):
    contact = _contact(world)
    _consent(world, contact, True, source="trade fair form")
    world.clock.advance(dt.timedelta(minutes=5))
    _consent(world, contact, False, source="phone call")
    records = world.call(privacy.list_consents, world.bob, contact.id)
    assert [(r.granted, r.source, r.recorded_by) for r in records] == [
        (True, "trade fair form", "alice"),
        (False, "phone call", "alice"),
    ]
    assert records[1].recorded_at > records[0].recorded_at
    assert world.get("contacts", contact.id).email_consent is False
    assert "contact_updated" in world.types()


def test_consent_needs_a_known_channel_a_source_and_a_visible_contact(world):
    contact = _contact(world)
    with pytest.raises(InvalidArgument, match="channel"):
        world.call(
            privacy.record_consent,
            world.alice,
            contact_id=contact.id,
            channel="fax",
            granted=True,
            source="x",
        )
    with pytest.raises(InvalidArgument, match="source"):
        _consent(world, contact, True, source="  ")
    with pytest.raises(NotFound):
        _consent(world, contact, True, caller=world.tom)
    with pytest.raises(NotFound):
        world.call(privacy.list_consents, world.admin, contact.id)


def test_a_withdrawn_consent_stops_the_stage_email_and_one_already_queued(world):
    world.call(
        customer_emails.set_template,
        world.admin,
        pipeline_id=world.pipeline.id,
        stage_key="propose",
        language="",
        subject="Hello",
        body="<p>Hi {{ contact.first_name }}</p>",
    )
    account = world.account()
    contact = _contact(world, account=account)
    _consent(world, contact, True)
    deal = world.deal(account=account, primary_contact_id=contact.id)
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert len(world.uow.events("customer_email_requested")) == 1
    assert privacy.consent_withheld(world.deps, contact.id) == ""
    _consent(world, contact, False, source="unsubscribe link")
    # The queued one: the sender asks again at send time and withholds it, saying why.
    assert "consent to e-mails withdrawn" in privacy.consent_withheld(world.deps, contact.id)
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "negotiate")
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert len(world.uow.events("customer_email_requested")) == 1
    plan = world.call(customer_emails.preview, world.alice, deal.id, "propose")
    assert plan.emails == [] and "no consent" in plan.skipped[0]


def test_a_withheld_delivery_is_final_and_keeps_its_reason(world):
    delivery = deliveries.Delivery("k", "", "d", "customer_email", created_at=world.clock.now())
    delivery.withhold("contact c: consent to e-mails withdrawn")
    assert (delivery.state, delivery.due(world.clock.now())) == (deliveries.WITHHELD, False)
    assert "withdrawn" in delivery.last_error
    with pytest.raises(FailedPrecondition):
        delivery.record_attempt(world.clock.now(), ok=True)


# -- who may ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["alice", "mia", "admin", "boss"])
def test_exports_and_erasures_need_the_data_protection_role(world, who):
    caller = getattr(world, who)
    with pytest.raises(PermissionDenied, match=DATA_PROTECTION_OFFICER):
        world.call(privacy.export_person, caller, EMAIL)
    with pytest.raises(PermissionDenied, match=DATA_PROTECTION_OFFICER):
        world.call(privacy.request_erasure, caller, email=EMAIL)
    with pytest.raises(PermissionDenied):
        world.call(privacy.list_requests, caller)


def test_a_service_account_holding_the_role_name_is_refused_and_no_token_is_unauthenticated(
    world,
):
    service = Caller("svc", kind="service", roles=frozenset({DATA_PROTECTION_OFFICER}))
    with pytest.raises(PermissionDenied):
        world.call(privacy.export_person, service, EMAIL)
    with pytest.raises(Unauthenticated):
        world.call(privacy.export_person, None, EMAIL)


@pytest.mark.parametrize("email", ["", "vera", "vera@example", "two@@example.test"])
def test_a_bad_email_is_invalid_argument(world, email):
    with pytest.raises(InvalidArgument) as raised:
        world.call(privacy.request_erasure, DPO, email=email)
    assert raised.value.field == "email"


# -- export -------------------------------------------------------------------------------------
def test_the_export_holds_the_contacts_their_activities_consents_and_emails(world):
    contact = _contact(world)
    _consent(world, contact, True)
    world.call(
        activities.log_activity,
        world.alice,
        target_type="contact",
        target_id=contact.id,
        kind="call",
        subject="Called Vera",
    )
    _contact(world, email="someone@else.test")
    email, document = world.call(privacy.export_person, DPO, " Vera.Vogel@EXAMPLE.test ")
    assert email == EMAIL
    assert [c["id"] for c in document["contacts"]] == [contact.id]
    assert [a["subject"] for a in document["activities"]] == ["Called Vera"]
    assert [c["source"] for c in document["consents"]] == ["web form"]


def test_an_unknown_person_is_an_empty_export(world):
    _, document = world.call(privacy.export_person, DPO, "nobody@example.test")
    assert all(records == [] for records in document.values())


# -- erasure ------------------------------------------------------------------------------------
def test_erasure_anonymises_deals_data_at_once_and_asks_the_other_services(world):
    contact = _contact(world)
    _consent(world, contact, True)
    world.call(
        activities.log_activity,
        world.alice,
        target_type="contact",
        target_id=contact.id,
        kind="note",
        subject="Vera prefers mornings",
        body="reach her on +49 30 1234567",
    )
    request = world.call(privacy.request_erasure, DPO, email=EMAIL, reason="ticket 42")
    erased = world.get("contacts", contact.id)
    assert (erased.first_name, erased.last_name, erased.email, erased.phone) == (
        "",
        ERASED,
        "",
        "",
    )
    assert erased.email_consent is False
    timeline = world.uow.activities.on_targets([("contact", contact.id)])
    assert [(a.subject, a.body) for a in timeline] == [(ERASED, "")]
    assert world.call(privacy.list_consents, world.alice, contact.id) == []
    (asked,) = world.uow.events("personal_data_erasure_requested")
    assert (asked.request_id, asked.email) == (request.id, EMAIL)
    # The audit record: who, why, the person masked only; deals confirmed, leads and reporting
    # pending.
    assert (request.requested_by, request.reason, request.subject) == (
        "dora",
        "ticket 42",
        "v***@example.test",
    )
    assert request.state == IN_PROGRESS
    by_service = {c.service: c for c in request.confirmations}
    assert by_service["deals"].erased == {"activities": 1, "consents": 1, "contacts": 1}
    assert by_service["leads"].state == by_service["reporting"].state == "pending"
    _, after = world.call(privacy.export_person, DPO, EMAIL)
    assert after["contacts"] == [] and after["consents"] == []


def _confirm(world, service, request_id, erased):
    with world.uow as uow:
        found = privacy.on_erased(
            uow, world.deps, service=service, request_id=request_id, erased=erased
        )
        uow.commit()
    return found


def test_the_last_confirmation_completes_the_request_and_tombstones_its_event(world):
    _contact(world)
    request = world.call(privacy.request_erasure, DPO, email=EMAIL)
    _confirm(world, "leads", request.id, {"leads": 2})
    # reporting has not confirmed yet (its worker down, say): the request waits and shows it.
    waiting = world.call(privacy.get_request, DPO, request.id)
    assert waiting.state == IN_PROGRESS and waiting.completed_at is None
    assert {c.service: c.state for c in waiting.confirmations} == {
        "deals": "done",
        "leads": "done",
        "reporting": "pending",
    }
    assert world.uow.state.records.get("tombstoned_requests", {}) == {}
    _confirm(world, "reporting", request.id, {"events": 3})
    done = world.call(privacy.get_request, DPO, request.id)
    assert done.state == COMPLETED and done.completed_at == world.clock.now()
    erased = {c.service: c.erased for c in done.confirmations}
    assert erased["leads"] == {"leads": 2} and erased["reporting"] == {"events": 3}
    assert world.uow.state.records["tombstoned_requests"] == {request.id: True}
    # A redelivered confirmation changes nothing.
    with world.uow as uow:
        again = privacy.on_erased(
            uow, world.deps, service="leads", request_id=request.id, erased={"leads": 9}
        )
        uow.commit()
    assert again.version == done.version
    assert [r.id for r in world.call(privacy.list_requests, DPO)] == [request.id]


def test_erasing_an_unknown_person_completes_saying_nothing_was_found(world):
    request = world.call(privacy.request_erasure, DPO, email="nobody@example.test")
    for service in ("reporting", "leads"):
        _confirm(world, service, request.id, {})
    done = world.call(privacy.get_request, DPO, request.id)
    assert done.state == COMPLETED
    assert {c.note for c in done.confirmations} == {NOTHING_FOUND}


def test_an_unknown_request_is_not_found(world):
    with pytest.raises(NotFound):
        world.call(privacy.get_request, DPO, "nope")
    with world.uow as uow:
        assert (
            privacy.on_erased(uow, world.deps, service="leads", request_id="x", erased={}) is None
        )
