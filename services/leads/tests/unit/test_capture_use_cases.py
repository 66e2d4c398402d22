"""CreateLead, UpdateLead, MergeLeads use cases on fakes."""

import pytest

from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationErrors,
)
from crm_leads.service_layer import leads
from crm_leads.service_layer.leads import DuplicatePolicy


def test_capture_stores_scores_and_emits_created_then_scored(world):
    result = world.capture(person__email="Ann@Acme.Example")
    lead = world.store.leads[result.lead.id]
    assert lead.data.person.email == "ann@acme.example" and lead.score.value == 0
    assert world.event_types() == ["lead_created", "lead_scored"]
    created, scored = world.events_of("lead_created")[0], world.events_of("lead_scored")[0]
    assert created.lead.data.person.email == "ann@acme.example"
    assert created.meta.aggregate_version == 1 and scored.meta.aggregate_version == 2
    assert created.meta.actor.id == "webform" and created.meta.aggregate_type == "lead"
    assert [e.action for e in world.store.history] == ["created"]


def test_a_form_sees_only_the_id_of_what_it_captured(world):
    assert world.capture(caller=world.form).visible is False
    lead = world.lead_in(owner="ann")
    assert leads.get_lead(world.deps, world.ann, lead.id).id == lead.id


def test_retry_with_the_same_key_returns_the_first_lead(world):
    first = world.capture(key="k1", person__email="a@acme.example", person__last_name="Lee")
    again = world.capture(key="k1", person__email="a@acme.example", person__last_name="Lee")
    assert again.replayed and again.lead.id == first.lead.id
    assert len(world.store.leads) == 1 and world.event_types().count("lead_created") == 1


def test_same_key_with_other_data_is_refused(world):
    world.capture(key="k1", person__email="a@acme.example")
    with pytest.raises(InvalidArgument, match="already used for another lead") as caught:
        world.capture(key="k1", person__email="b@acme.example")
    assert caught.value.field == "idempotency_key"


def test_key_is_required(world):
    with pytest.raises(InvalidArgument, match="send the same one on a retry"):
        leads.create_lead(world.deps, world.form, idempotency_key=" ", values={})


def test_a_too_long_key_is_told_the_limit_not_that_it_is_missing(world):
    with pytest.raises(InvalidArgument) as caught:
        leads.create_lead(world.deps, world.form, idempotency_key="k" * 201, values={})
    assert "too long: at most 200 characters, got 201" in caught.value.message
    assert "required" not in caught.value.message
    assert caught.value.field == "idempotency_key"


def test_unauthenticated_caller_is_refused(world):
    with pytest.raises(Unauthenticated):
        leads.create_lead(world.deps, None, idempotency_key="k", values={})


def test_invalid_data_lists_every_field_and_stores_nothing(world):
    with pytest.raises(ValidationErrors) as caught:
        world.capture(person__email="nope", location__country="Narnia")
    assert {field for field, _ in caught.value.problems} == {"person.email", "location.country"}
    assert world.store.leads == {} and world.events == []


def test_unknown_campaign_is_refused(world):
    with pytest.raises(ValidationErrors, match="campaign c-x does not exist"):
        world.capture(source__campaign_id="c-x")


@pytest.mark.parametrize(
    "same",
    [
        {"person__email": "dup@acme.example"},
        {"person__email": "x@other.example", "person__phone": "+49 30 1234567"},
        {
            "person__email": "y@other.example",
            "company__name": "ACME GmbH",
            "person__first_name": "JO",
            "person__last_name": "doe",
        },
    ],
)
def test_duplicates_are_refused_naming_the_lead_the_caller_may_see(world, same):
    existing = world.lead_in(
        person__email="dup@acme.example",
        person__phone="+49301234567",
        company__name="Acme",
        person__first_name="Jo",
        person__last_name="Doe",
    )
    with pytest.raises(AlreadyExists) as caught:
        world.capture(caller=world.ann, **same)
    assert existing.id in caught.value.message and "on_duplicate=MERGE" in caught.value.message
    assert caught.value.details["existing_lead_id"] == existing.id


def test_duplicate_of_an_invisible_lead_is_refused_without_naming_it(world):
    existing = world.lead_in(person__email="dup@acme.example")
    with pytest.raises(AlreadyExists) as caught:
        world.capture(caller=world.ben, person__email="DUP@acme.example")
    assert (
        existing.id not in caught.value.message and "existing_lead_id" not in caught.value.details
    )
    assert "outside the teams you may see" in caught.value.message


def test_merge_on_duplicate_fills_the_existing_lead_and_keeps_its_history(world):
    existing = world.lead_in(person__email="dup@acme.example")
    result = world.capture(
        world.ann,
        policy=DuplicatePolicy.MERGE,
        person__email="dup@acme.example",
        person__title="CTO",
        person__first_name="Joanna",
    )
    assert result.merged and result.lead.id == existing.id
    lead = world.store.leads[existing.id]
    assert lead.data.person.title == "CTO" and lead.data.person.first_name == "Jo"
    entry = world.store.history[-1]
    assert entry.action == "merged" and "person.first_name=Joanna" in entry.note
    assert len(world.store.leads) == 1 and world.event_types()[-1] == "lead_updated"


@pytest.mark.parametrize("policy", list(DuplicatePolicy))
@pytest.mark.parametrize("who", ["ben", "ada", "form"])
def test_a_duplicate_outside_the_scope_is_neither_named_nor_merged(world, who, policy):
    existing = world.lead_in(person__email="dup@acme.example", person__title="")
    before = (
        existing.version,
        existing.data,
        len(world.store.history),
        len(world.events),
        dict(world.store.keys),
    )
    with pytest.raises(AlreadyExists) as caught:
        world.capture(
            getattr(world, who),
            policy=policy,
            person__email="dup@acme.example",
            person__title="CTO",
            person__first_name="Mallory",
        )
    error = caught.value
    assert existing.id not in error.message and "existing_lead_id" not in error.details
    assert "Jo" not in error.message and error.field == "person.email"
    lead = world.store.leads[existing.id]
    assert (
        lead.version,
        lead.data,
        len(world.store.history),
        len(world.events),
        world.store.keys,
    ) == before
    assert len(world.store.leads) == 1
    # reject and merge answer alike: nothing tells the two apart
    other = DuplicatePolicy.REJECT if policy is DuplicatePolicy.MERGE else DuplicatePolicy.MERGE
    with pytest.raises(AlreadyExists) as again:
        world.capture(getattr(world, who), policy=other, person__email="dup@acme.example")
    assert (again.value.message, again.value.details) == (error.message, error.details)


def test_merge_goes_to_the_duplicate_in_scope_when_another_is_outside(world):
    theirs = world.lead_in(
        team="team-b", owner="ben", person__phone="+49301234567", company__name="Theirs"
    )
    mine = world.lead_in(person__email="dup@acme.example", company__name="Mine")
    result = world.capture(
        world.ann,
        policy=DuplicatePolicy.MERGE,
        person__email="dup@acme.example",
        person__phone="+49 30 1234567",
        person__title="CTO",
    )
    assert result.merged and result.lead.id == mine.id and result.visible
    assert world.store.leads[mine.id].data.person.title == "CTO"
    assert world.store.leads[theirs.id].data.person.title == ""
    with pytest.raises(AlreadyExists) as caught:  # reject names the one the caller may see
        world.capture(world.ann, person__email="dup@acme.example", person__phone="+49301234567")
    assert mine.id in caught.value.message and theirs.id not in caught.value.message


def test_a_service_account_needs_capture_leads(world):
    for caller in (world.bare, world.mailer):
        with pytest.raises(PermissionDenied, match="capture_leads"):
            world.capture(caller)
    assert not world.store.leads and not world.store.keys
    assert world.capture(world.form).lead.id in world.store.leads


def test_update_changes_masked_fields_rescores_and_checks_the_version(world):
    lead = world.lead_in()
    updated = leads.update_lead(
        world.deps, world.sue, lead.id, {"person.title": "CEO"}, expected_version=lead.version
    )
    assert updated.data.person.title == "CEO" and world.store.history[-1].actor.id == "sue"
    update_event = world.events_of("lead_updated")[-1]
    assert [(c.field, c.new_value) for c in update_event.changes] == [("person.title", "CEO")]
    with pytest.raises(FailedPrecondition, match="changed since you read it"):
        leads.update_lead(
            world.deps, world.ann, lead.id, {"person.title": "CFO"}, expected_version=1
        )


def test_an_expert_changes_only_the_fields_of_their_own_leads(world):
    lead = world.lead_in(owner="ann")
    with pytest.raises(PermissionDenied, match="owned by someone else"):
        leads.update_lead(world.deps, world.bob, lead.id, {"person.title": "CFO"})
    assert leads.update_lead(world.deps, world.ann, lead.id, {"person.title": "CFO"})


def test_update_without_fields_or_to_a_duplicate_is_refused(world):
    lead = world.lead_in()
    other = world.lead_in(person__email="other@acme.example", company__name="Other")
    with pytest.raises(InvalidArgument, match="names no field"):
        leads.update_lead(world.deps, world.ann, lead.id, {})
    with pytest.raises(AlreadyExists, match="MergeLeads"):
        leads.update_lead(world.deps, world.ann, lead.id, {"person.email": other.data.person.email})


def test_update_outside_the_scope_is_not_found(world):
    lead = world.lead_in()
    for caller in (world.ben, world.ada):
        with pytest.raises(NotFound, match=f"lead {lead.id} not found"):
            leads.update_lead(world.deps, caller, lead.id, {"person.title": "x"})


def test_merge_leads_moves_activities_and_links_histories(world):
    from crm_leads.service_layer.activities import record_activity

    survivor = world.lead_in(person__email="a@acme.example")
    duplicate = world.lead_in(
        person__email="b@acme.example", company__name="Other", person__title="CFO"
    )
    record_activity(
        world.deps, world.ann, lead_id=duplicate.id, activity_id="act-1", kind="demo_requested"
    )
    merged = leads.merge_leads(world.deps, world.ann, survivor.id, duplicate.id)
    assert merged.merged_lead_ids == (duplicate.id,) and merged.data.person.title == "CFO"
    assert world.store.activities["act-1"].lead_id == survivor.id
    assert world.store.leads[duplicate.id].status.value == "merged"
    assert world.event_types()[-1] == "lead_merged"
    from crm_leads.service_layer.history import lead_history

    ids = {e.lead_id for e in lead_history(world.deps, world.ann, survivor.id).items}
    assert ids == {survivor.id, duplicate.id}


def test_merge_needs_both_leads_workable(world):
    mine = world.lead_in()
    theirs = world.lead_in(
        team="team-b", owner="ben", person__email="t@acme.example", company__name="Other"
    )
    with pytest.raises(NotFound):
        leads.merge_leads(world.deps, world.ann, mine.id, theirs.id)
    queued = world.capture(person__email="u@acme.example", company__name="U").lead
    from crm_leads.domain.assignment import RoutingDecision
    from crm_leads.service_layer.assignment import apply_routing

    apply_routing(
        world.deps,
        world.routing,
        RoutingDecision(
            "d", queued.id, world.t0, world.line, "", "", "no rule matched", world.queue_team
        ),
    )
    with pytest.raises(PermissionDenied, match="unassigned queue"):
        leads.merge_leads(world.deps, world.tia, queued.id, mine.id)
