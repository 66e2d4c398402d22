"""LeadService over a real gRPC server (fake unit of work): capture, idempotency, duplicates,
visibility matrix, lifecycle, search, activities and conversion, with the status codes and
messages a caller sees."""

import grpc
import pytest
from google.protobuf import field_mask_pb2

from crm.common.v1 import money_pb2, pagination_pb2
from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_chassis.caller import Caller
from crm_leads.domain.access import Scope, TeamRole

SC = grpc.StatusCode
STRANGER = Caller("zoe", departments=frozenset({"sales"}), display_name="Zoe Stranger")
# A member of team-a whose identity account has no department: visibility is the scope's alone.
NODEPT = Caller("nod", display_name="No Department")


def lead_input(email="ann.lee@acme.example", **overrides) -> lead_pb2.LeadInput:
    message = lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name="Ann", last_name="Lee", email=email, title="VP Sales", phone="030 1234567"
        ),
        company=lead_pb2.Company(
            name="Acme GmbH",
            industry="Software",
            size=lead_pb2.COMPANY_SIZE_LARGE,
            annual_revenue=money_pb2.Money(amount="1250000", currency="EUR"),
        ),
        location=lead_pb2.Location(country="Germany", city="Berlin"),
        source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM),
        product_interest=["CRM Enterprise"],
        consent=lead_pb2.Consent(email_marketing=True),
        custom_attributes={"budget": "50k"},
    )
    for name, value in overrides.items():
        group, _, field = name.partition("__")
        setattr(getattr(message, group), field, value)
    return message


def create(
    rpc, world, key="form-1", caller=None, policy=lead_service_pb2.DUPLICATE_POLICY_REJECT, **kwargs
):
    return rpc.call(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=key, lead=lead_input(**kwargs), on_duplicate=policy
        ),
        caller or world.form,
    )


def test_create_normalises_and_a_web_form_gets_only_a_reference(rpc, world):
    response = create(rpc, world)
    assert response.lead.id and response.lead.status == lead_pb2.LEAD_STATUS_NEW
    assert not response.lead.HasField("data") and not (response.merged or response.replayed)
    stored = world.store.leads[response.lead.id].data
    assert (
        stored.person.phone,
        stored.location.country,
        stored.company.industry,
        stored.product_interest,
    ) == ("+49301234567", "DE", "software", ("crm-enterprise",))
    assert str(stored.company.annual_revenue) == "1250000 EUR"
    assert stored.consent.captured_at == world.t0  # consent given without a time: capture time
    assert world.event_types()[0] == "lead_created"


def test_a_retry_with_the_same_key_makes_no_second_lead(rpc, world):
    first = create(rpc, world, key="form-42")
    again = create(rpc, world, key="form-42")
    assert again.replayed and again.lead.id == first.lead.id and len(world.store.leads) == 1
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key="form-42", lead=lead_input(email="other@acme.example")
        ),
        world.form,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "use a new key" in err.details()
    assert rpc.field(err) == "idempotency_key" and len(world.store.leads) == 1


def test_every_invalid_field_is_named_at_once(rpc, world):
    message = lead_input(person__email="not-an-address", location__country="Narnia")
    message.source.channel = lead_pb2.CHANNEL_UNSPECIFIED
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(idempotency_key="k", lead=message),
        world.form,
    )
    assert err.code() == SC.INVALID_ARGUMENT
    for field in ("person.email", "location.country", "source.channel"):
        assert field in err.details()
    assert "web_form" in err.details()  # says which channels exist
    err = rpc.error(
        rpc.leads.CreateLead, lead_service_pb2.CreateLeadRequest(lead=lead_input()), world.form
    )
    assert rpc.field(err) == "idempotency_key" and "send the same one on a retry" in err.details()
    assert not world.store.leads


def test_unknown_campaign_and_missing_token(rpc, world):
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key="k", lead=lead_input(source__campaign_id="nope")
        ),
        world.form,
    )
    assert err.code() == SC.INVALID_ARGUMENT and rpc.field(err) == "source.campaign_id"
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(idempotency_key="k", lead=lead_input()),
        None,
    )
    assert err.code() == SC.UNAUTHENTICATED


def test_duplicate_names_the_existing_lead_only_to_who_may_see_it(rpc, world):
    existing = world.lead_in(person__email="dup@acme.example")
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key="k1", lead=lead_input(email="DUP@acme.example")
        ),
        world.ann,
    )
    assert err.code() == SC.ALREADY_EXISTS and existing.id in err.details()
    assert "on_duplicate=MERGE" in err.details() and rpc.field(err) == "person.email"
    err = rpc.error(
        rpc.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key="k2", lead=lead_input(email="dup@acme.example")
        ),
        world.ben,
    )
    assert err.code() == SC.ALREADY_EXISTS and existing.id not in err.details()
    assert "outside the teams you may see" in err.details()


def test_merge_on_duplicate_keeps_one_lead_and_its_history(rpc, world):
    existing = world.lead_in(person__email="dup@acme.example", company__industry=None)
    merged = create(
        rpc,
        world,
        key="m1",
        caller=world.ann,
        email="dup@acme.example",
        policy=lead_service_pb2.DUPLICATE_POLICY_MERGE,
    )
    assert merged.merged and merged.lead.id == existing.id
    assert merged.lead.data.company.industry == "software"  # the empty field was filled
    entries = rpc.call(
        rpc.leads.GetLeadHistory,
        lead_service_pb2.GetLeadHistoryRequest(lead_id=existing.id),
        world.ann,
    ).entries
    assert entries[0].action == "created" and any("captured again" in e.note for e in entries)
    assert len(world.store.leads) == 1


@pytest.mark.parametrize(
    "who, sees",
    [
        ("ann", True),  # owner
        ("bob", True),  # teammate
        ("sue", True),  # supervisor of the team
        ("meg", True),  # manager above (manages team-a and team-b)
        ("nod", True),  # member without any identity department
        ("ben", False),  # other team
        ("ada", False),  # administrator who is not a member
        ("zoe", False),  # stranger: no scope at all
    ],
)
def test_visibility_matrix(rpc, world, who, sees):
    world.scopes.scopes["nod"] = Scope("nod", {"team-a": TeamRole.EXPERT})
    callers = {
        "ann": world.ann,
        "bob": world.bob,
        "sue": world.sue,
        "meg": world.meg,
        "nod": NODEPT,
        "ben": world.ben,
        "ada": world.ada,
        "zoe": STRANGER,
    }
    caller = callers[who]
    lead = world.lead_in()
    reads = [
        (rpc.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead.id)),
        (rpc.leads.GetLeadHistory, lead_service_pb2.GetLeadHistoryRequest(lead_id=lead.id)),
        (rpc.leads.ListLeadActivities, lead_service_pb2.ListLeadActivitiesRequest(lead_id=lead.id)),
    ]
    found = rpc.call(rpc.leads.SearchLeads, lead_service_pb2.SearchLeadsRequest(), caller).leads
    if sees:
        assert rpc.call(*reads[0], caller).id == lead.id
        for method, request in reads[1:]:
            rpc.call(method, request, caller)
        assert [item.id for item in found] == [lead.id]
        return
    assert not found
    unknown = rpc.error(
        rpc.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id="no-such-lead"), caller
    )
    for method, request in reads + [
        (rpc.leads.StartWorkingLead, lead_service_pb2.StartWorkingLeadRequest(lead_id=lead.id)),
        (
            rpc.leads.AssignLead,
            lead_service_pb2.AssignLeadRequest(lead_id=lead.id, owner_user_id="bob"),
        ),
    ]:
        err = rpc.error(method, request, caller)
        # Exactly the answer of an unknown id: nothing tells that the lead exists.
        assert err.code() == SC.NOT_FOUND == unknown.code()
        assert err.details() == unknown.details().replace("no-such-lead", lead.id)


def test_teammates_work_each_others_leads_but_change_only_their_own(rpc, world):
    lead = world.lead_in(owner="ann")
    working = rpc.call(
        rpc.leads.StartWorkingLead,
        lead_service_pb2.StartWorkingLeadRequest(lead_id=lead.id, note="called"),
        world.bob,
    )
    assert working.status == lead_pb2.LEAD_STATUS_WORKING
    update = lead_service_pb2.UpdateLeadRequest(
        lead_id=lead.id,
        lead=lead_input(person__title="CEO"),
        update_mask=field_mask_pb2.FieldMask(paths=["person.title"]),
    )
    err = rpc.error(rpc.leads.UpdateLead, update, world.bob)
    assert err.code() == SC.PERMISSION_DENIED and "your own leads" in err.details()
    updated = rpc.call(rpc.leads.UpdateLead, update, world.ann)
    assert updated.data.person.title == "CEO"
    assert updated.data.person.last_name == lead.data.person.last_name  # the rest is kept
    update.expected_version = 1
    err = rpc.error(rpc.leads.UpdateLead, update, world.ann)
    assert err.code() == SC.FAILED_PRECONDITION and "reload it" in err.details()


def test_update_mask_group_replaces_the_group_and_clears_what_is_empty(rpc, world):
    lead = world.lead_in(owner="ann", location__city="Berlin")
    updated = rpc.call(
        rpc.leads.UpdateLead,
        lead_service_pb2.UpdateLeadRequest(
            lead_id=lead.id,
            lead=lead_pb2.LeadInput(location=lead_pb2.Location(country="FRA")),
            update_mask=field_mask_pb2.FieldMask(paths=["location"]),
        ),
        world.ann,
    )
    assert (updated.data.location.country, updated.data.location.city) == ("FR", "")
    err = rpc.error(
        rpc.leads.UpdateLead,
        lead_service_pb2.UpdateLeadRequest(
            lead_id=lead.id, update_mask=field_mask_pb2.FieldMask(paths=["person.shoe_size"])
        ),
        world.ann,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "person.shoe_size" in err.details()
    err = rpc.error(
        rpc.leads.UpdateLead, lead_service_pb2.UpdateLeadRequest(lead_id=lead.id), world.ann
    )
    assert err.code() == SC.INVALID_ARGUMENT and rpc.field(err) == "update_mask"


def test_reassignment_within_the_team_by_leaders_only(rpc, world):
    lead = world.lead_in(owner="ann")
    request = lead_service_pb2.AssignLeadRequest(
        lead_id=lead.id, owner_user_id="bob", note="holiday"
    )
    err = rpc.error(rpc.leads.AssignLead, request, world.ann)
    assert err.code() == SC.PERMISSION_DENIED and "supervisor or manager" in err.details()
    assigned = rpc.call(rpc.leads.AssignLead, request, world.meg)
    assert assigned.assignment.owner_user_id == "bob" and assigned.assignment.method == "manual"
    err = rpc.error(
        rpc.leads.AssignLead,
        lead_service_pb2.AssignLeadRequest(lead_id=lead.id, owner_user_id="ben"),
        world.sue,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "not a member of team team-a" in err.details()
    err = rpc.error(
        rpc.leads.AssignLead,
        lead_service_pb2.AssignLeadRequest(lead_id=lead.id, team_id="team-b"),
        world.sue,
    )
    assert err.code() == SC.PERMISSION_DENIED and "manager role" in err.details()


def test_lifecycle_with_reasons_and_history(rpc, world):
    lead = world.lead_in()
    err = rpc.error(
        rpc.leads.DisqualifyLead,
        lead_service_pb2.DisqualifyLeadRequest(
            lead_id=lead.id, reason=lead_pb2.DISQUALIFICATION_REASON_OTHER
        ),
        world.ann,
    )
    assert err.code() == SC.INVALID_ARGUMENT and rpc.field(err) == "note"
    err = rpc.error(
        rpc.leads.DisqualifyLead, lead_service_pb2.DisqualifyLeadRequest(lead_id=lead.id), world.ann
    )
    assert err.code() == SC.INVALID_ARGUMENT and "no_budget" in err.details()
    out = rpc.call(
        rpc.leads.DisqualifyLead,
        lead_service_pb2.DisqualifyLeadRequest(
            lead_id=lead.id, reason=lead_pb2.DISQUALIFICATION_REASON_NO_BUDGET, note="2027"
        ),
        world.bob,
    )
    assert out.status == lead_pb2.LEAD_STATUS_DISQUALIFIED
    assert out.disqualification_reason == lead_pb2.DISQUALIFICATION_REASON_NO_BUDGET
    err = rpc.error(
        rpc.leads.QualifyLead, lead_service_pb2.QualifyLeadRequest(lead_id=lead.id), world.ann
    )
    assert err.code() == SC.FAILED_PRECONDITION
    back = rpc.call(
        rpc.leads.ReactivateLead, lead_service_pb2.ReactivateLeadRequest(lead_id=lead.id), world.ann
    )
    assert back.status == lead_pb2.LEAD_STATUS_WORKING
    qualified = rpc.call(
        rpc.leads.QualifyLead, lead_service_pb2.QualifyLeadRequest(lead_id=lead.id), world.ann
    )
    assert qualified.status == lead_pb2.LEAD_STATUS_QUALIFIED
    history = rpc.call(
        rpc.leads.GetLeadHistory,
        lead_service_pb2.GetLeadHistoryRequest(
            lead_id=lead.id, page=pagination_pb2.PageRequest(page_size=2)
        ),
        world.ann,
    )
    assert len(history.entries) == 2 and history.page_info.next_cursor
    rest = rpc.call(
        rpc.leads.GetLeadHistory,
        lead_service_pb2.GetLeadHistoryRequest(
            lead_id=lead.id,
            page=pagination_pb2.PageRequest(page_size=50, cursor=history.page_info.next_cursor),
        ),
        world.ann,
    )
    entries = list(history.entries) + list(rest.entries)
    assert [e.version for e in entries] == sorted(e.version for e in entries)
    assert entries[-1].actor.id == "ann" and entries[-1].changes[0].new_value == "qualified"


def test_search_filters_sorts_and_pages_within_the_scope(rpc, world):
    ids = [world.lead_in(location__country="DE").id for _ in range(3)]
    world.lead_in(team="team-b", owner="ben", location__country="DE")
    world.lead_in(location__country="FR")
    request = lead_service_pb2.SearchLeadsRequest(
        filter=lead_service_pb2.LeadFilter(countries=["Germany"]),
        sort=lead_service_pb2.LEAD_SORT_FIELD_CREATED_AT,
        page=pagination_pb2.PageRequest(page_size=2),
    )
    first = rpc.call(rpc.leads.SearchLeads, request, world.ann)
    request.page.cursor = first.page_info.next_cursor
    second = rpc.call(rpc.leads.SearchLeads, request, world.ann)
    assert [lead.id for lead in [*first.leads, *second.leads]] == ids
    assert not second.page_info.next_cursor
    request.filter.countries[:] = ["FR"]
    err = rpc.error(rpc.leads.SearchLeads, request, world.ann)
    assert err.code() == SC.INVALID_ARGUMENT and "other filters" in err.details()
    err = rpc.error(
        rpc.leads.SearchLeads,
        lead_service_pb2.SearchLeadsRequest(
            filter=lead_service_pb2.LeadFilter(countries=["Atlantis"], statuses=[99])
        ),
        world.ann,
    )
    assert err.code() == SC.INVALID_ARGUMENT
    assert "filter.countries" in err.details() and "filter.statuses" in err.details()
    assert (
        len(rpc.call(rpc.leads.SearchLeads, lead_service_pb2.SearchLeadsRequest(), world.meg).leads)
        == 5
    )


def test_activity_by_a_person_and_by_an_integration(rpc, world):
    lead = world.lead_in()
    activity = lead_pb2.LeadActivity(
        id="mail-1",
        lead_id=lead.id,
        kind=lead_pb2.ACTIVITY_KIND_EMAIL_OPENED,
        details={"campaign": "spring"},
    )
    recorded = rpc.call(
        rpc.leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(activity=activity),
        world.bob,
    )
    assert recorded.HasField("score") and not recorded.replayed
    again = rpc.call(
        rpc.leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(activity=activity),
        world.bob,
    )
    assert again.replayed and len(world.store.activities) == 1
    activity.id = "mail-2"
    by_tool = rpc.call(
        rpc.leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(activity=activity),
        world.mailer,
    )
    assert not by_tool.HasField("score")  # the tool sees no team
    listed = rpc.call(
        rpc.leads.ListLeadActivities,
        lead_service_pb2.ListLeadActivitiesRequest(lead_id=lead.id),
        world.ann,
    )
    assert {a.id for a in listed.activities} == {"mail-1", "mail-2"}
    activity.kind = lead_pb2.ACTIVITY_KIND_UNSPECIFIED
    activity.id = "mail-3"
    err = rpc.error(
        rpc.leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(activity=activity),
        world.ann,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "email_opened" in err.details()


def test_convert_makes_the_lead_converting_and_read_only(rpc, world):
    lead = world.lead_in()
    converting = rpc.call(
        rpc.leads.ConvertLead,
        lead_service_pb2.ConvertLeadRequest(
            lead_id=lead.id, expected_amount=money_pb2.Money(amount="12000.00", currency="EUR")
        ),
        world.bob,
    )
    assert converting.status == lead_pb2.LEAD_STATUS_CONVERTING
    assert converting.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTING
    assert converting.conversion.expected_amount.amount == "12000.00"
    assert "lead_conversion_requested" in world.event_types()
    err = rpc.error(
        rpc.leads.StartWorkingLead,
        lead_service_pb2.StartWorkingLeadRequest(lead_id=lead.id),
        world.ann,
    )
    assert err.code() == SC.FAILED_PRECONDITION
    err = rpc.error(
        rpc.leads.RetryLeadConversion,
        lead_service_pb2.RetryLeadConversionRequest(lead_id=lead.id),
        world.ann,
    )
    assert err.code() == SC.FAILED_PRECONDITION and "failed_retrying" in err.details()
    err = rpc.error(
        rpc.leads.ConvertLead,
        lead_service_pb2.ConvertLeadRequest(
            lead_id=world.lead_in().id,
            expected_amount=money_pb2.Money(amount="1.234", currency="EUR"),
        ),
        world.ann,
    )
    assert err.code() == SC.INVALID_ARGUMENT and rpc.field(err) == "expected_amount"


def test_merge_leads_needs_both_in_scope(rpc, world):
    survivor, duplicate = world.lead_in(), world.lead_in()
    other_team = world.lead_in(team="team-b", owner="ben")
    err = rpc.error(
        rpc.leads.MergeLeads,
        lead_service_pb2.MergeLeadsRequest(
            survivor_lead_id=survivor.id, duplicate_lead_id=other_team.id
        ),
        world.sue,
    )
    assert err.code() == SC.NOT_FOUND and other_team.id in err.details()
    merged = rpc.call(
        rpc.leads.MergeLeads,
        lead_service_pb2.MergeLeadsRequest(
            survivor_lead_id=survivor.id, duplicate_lead_id=duplicate.id
        ),
        world.sue,
    )
    assert list(merged.merged_lead_ids) == [duplicate.id]
    gone = rpc.call(
        rpc.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=duplicate.id), world.sue
    )
    assert gone.status == lead_pb2.LEAD_STATUS_MERGED and gone.merged_into_lead_id == survivor.id
