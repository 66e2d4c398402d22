"""The conversion saga: requested -> converting -> converted | failed-retrying, deals down."""

import datetime as dt

import pytest

from crm_chassis.errors import FailedPrecondition, NotFound, ValidationErrors
from crm_leads.domain.conversion import ConversionState
from crm_leads.service_layer import conversion
from crm_leads.service_layer.leads import update_lead


def convert(world, lead, **kwargs):
    return conversion.convert_lead(world.deps, world.ann, lead.id, **kwargs)


def test_convert_qualifies_and_asks_deals_with_attribution(world):
    lead = world.lead_in(product_interest="crm-suite", company__name="Globex")
    converted = convert(world, lead, expected_amount=("12000.00", "eur"))
    assert converted.status.value == "converting"
    assert converted.conversion.state is ConversionState.CONVERTING
    assert converted.conversion.request.opportunity_name == "Globex - crm-suite"
    assert world.event_types()[-4:] == [
        "lead_status_changed",
        "lead_qualified",
        "lead_status_changed",
        "lead_conversion_requested",
    ]
    request = world.events_of("lead_conversion_requested")[0]
    assert request.attempt == 1 and request.conversion.conversion_id
    assert request.lead.assignment.team_id == "team-a" and request.lead.assignment.owner_user_id
    assert request.lead.data.sales_line_id == world.line
    assert request.lead.data.source.channel == 1
    assert request.conversion.expected_amount.amount == "12000.00"
    assert request.conversion.expected_amount.currency == "EUR"


def test_converting_again_with_the_same_request_changes_nothing(world):
    lead = world.lead_in()
    convert(world, lead)
    count = len(world.events)
    assert convert(world, lead).status.value == "converting" and len(world.events) == count


def test_bad_conversion_input_is_listed(world):
    lead = world.lead_in()
    with pytest.raises(ValidationErrors) as caught:
        convert(world, lead, expected_amount=("12,000", "EUR"), opportunity_name="x" * 201)
    assert {p for p, _ in caught.value.problems} == {"expected_amount", "opportunity_name"}


def test_deals_confirms_and_the_lead_becomes_read_only_with_links(world):
    lead = world.lead_in()
    conversion_id = convert(world, lead).conversion.conversion_id
    assert conversion.conversion_completed(
        world.deps,
        world.conversion_saga,
        conversion_id,
        account_id="acc-1",
        contact_id="con-1",
        opportunity_id="opp-1",
    )
    stored = world.store.leads[lead.id]
    assert stored.status.value == "converted" and stored.conversion.opportunity_id == "opp-1"
    assert world.events_of("lead_converted")[0].lead.conversion.account_id == "acc-1"
    assert (
        conversion.conversion_completed(
            world.deps,
            world.conversion_saga,
            conversion_id,
            account_id="acc-1",
            contact_id="con-1",
            opportunity_id="opp-1",
        )
        is False
    )
    with pytest.raises(FailedPrecondition, match="read-only; change opportunity opp-1"):
        update_lead(world.deps, world.ann, lead.id, {"person.title": "x"})


def test_deals_down_the_saga_retries_visibly_until_it_answers(world):
    lead = world.lead_in()
    conversion_id = convert(world, lead).conversion.conversion_id

    def dispatch():  # the worker's timer
        return conversion.dispatch_due_conversions(world.deps, world.conversion_saga)

    assert dispatch() == 0  # waiting for the answer
    world.clock.advance(dt.timedelta(minutes=2))
    assert dispatch() == 1  # timed out
    saga = world.store.leads[lead.id].conversion
    assert saga.state is ConversionState.FAILED_RETRYING and "did not answer" in saga.last_error
    assert world.events_of("lead_conversion_failed")[-1].conversion.state == 4
    world.clock.advance(dt.timedelta(seconds=29))
    assert dispatch() == 0  # backoff not over
    world.clock.advance(dt.timedelta(seconds=1))
    assert dispatch() == 1  # attempt 2
    assert world.events_of("lead_conversion_requested")[-1].attempt == 2
    assert conversion.conversion_failed(
        world.deps,
        world.conversion_saga,
        conversion_id,
        error="deals db unavailable",
        permanent=False,
    )
    retried = conversion.retry_conversion(world.deps, world.bob, lead.id)
    assert retried.conversion.attempts == 3 and retried.conversion.state.value == "converting"
    assert conversion.conversion_completed(
        world.deps,
        world.conversion_saga,
        conversion_id,
        account_id="a",
        contact_id="c",
        opportunity_id="o",
    )
    assert world.store.leads[lead.id].status.value == "converted"
    actions = [e.action for e in world.store.history if e.lead_id == lead.id]
    assert actions.count("conversion_sent") == 3 and actions.count("conversion_failed") == 2
    saga_actors = {
        e.actor.id
        for e in world.store.history
        if e.lead_id == lead.id and e.action in ("conversion_failed", "conversion_completed")
    }
    assert saga_actors == {"conversion-saga"}


def test_permanent_refusal_returns_the_lead_to_qualified(world):
    lead = world.lead_in()
    conversion_id = convert(world, lead, link_account_id="acc-gone").conversion.conversion_id
    assert conversion.conversion_failed(
        world.deps,
        world.conversion_saga,
        conversion_id,
        error="account acc-gone does not exist",
        permanent=True,
    )
    stored = world.store.leads[lead.id]
    assert stored.status.value == "qualified" and stored.conversion.state.value == "failed"
    assert "acc-gone does not exist" in stored.status_note
    again = convert(world, lead)  # a new attempt, creating an account this time
    assert again.conversion.conversion_id != conversion_id


def test_retry_only_when_failed_retrying_and_unknown_answers_are_ignored(world):
    lead = world.lead_in()
    convert(world, lead)
    with pytest.raises(FailedPrecondition, match="only a failed_retrying"):
        conversion.retry_conversion(world.deps, world.ann, lead.id)
    with pytest.raises(NotFound):
        conversion.retry_conversion(world.deps, world.ben, lead.id)
    assert (
        conversion.conversion_failed(
            world.deps, world.conversion_saga, "nope", error="x", permanent=False
        )
        is False
    )


def test_unassigned_or_unowned_leads_cannot_be_converted(world):
    lead = world.lead_in(owner="")
    with pytest.raises(FailedPrecondition, match="no team and owner"):
        convert(world, lead)
    assert world.store.leads[lead.id].status.value == "new"  # nothing half-done
