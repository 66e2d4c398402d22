"""LeadService end to end on PostgreSQL: the chassis server, the production wiring, the access
replica. Visibility matrix, idempotent capture, duplicates, lifecycle, search and conversion."""

import hashlib
import uuid

import grpc
import pytest
from sqlalchemy import select

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_leads.adapters import orm

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def lead_input(email: str, **source) -> lead_pb2.LeadInput:
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    return lead_pb2.LeadInput(
        # Phone and name follow the e-mail: each is a duplicate key of its own.
        person=lead_pb2.Person(
            first_name="Jo",
            last_name=f"Park{digest[:6]}",
            email=email,
            phone=f"+49 30 {int(digest[6:14], 16) % 9000000 + 1000000}",
        ),
        company=lead_pb2.Company(name="Parkworks AG", size=lead_pb2.COMPANY_SIZE_MEDIUM),
        location=lead_pb2.Location(country="DEU"),
        source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, **source),
        custom_attributes={"budget": "50k"},
    )


def capture(client, team, *, key=None, email=None, person=None, policy=0):
    email = email or f"jo.{uuid.uuid4().hex[:10]}@parkworks.example"
    return client.call(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=key or uuid.uuid4().hex, lead=lead_input(email), on_duplicate=policy
        ),
        person or team.form,
    )


def routed_lead(client, team, owner=None, team_id="", **kwargs) -> str:
    lead_id = capture(client, team, **kwargs).lead.id
    team.route(lead_id, owner, team_id)
    return lead_id


def test_capture_is_idempotent_and_writes_one_outbox_event(client, team, engine):
    key = uuid.uuid4().hex
    first = capture(client, team, key=key, email="Retry.Me@Parkworks.example")
    again = capture(client, team, key=key, email="Retry.Me@Parkworks.example")
    assert again.replayed and again.lead.id == first.lead.id
    assert not first.lead.HasField("data")  # the web form sees no team
    with engine.connect() as conn:
        count = conn.execute(
            select(orm.leads.c.id).where(orm.leads.c.email == "retry.me@parkworks.example")
        ).all()
        events = (
            conn.execute(
                select(orm.outbox.c.event_type).where(orm.outbox.c.aggregate_id == first.lead.id)
            )
            .scalars()
            .all()
        )
    assert len(count) == 1 and events.count("lead_created") == 1
    err = client.error(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=key, lead=lead_input("someone.else@parkworks.example")
        ),
        team.form,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "use a new key" in err.details()


@pytest.mark.parametrize(
    "who, sees",
    [
        ("owner", True),
        ("mate", True),
        ("supervisor", True),
        ("manager", True),
        ("outsider", False),
        ("admin", False),
        ("stranger", False),
    ],
)
def test_visibility_matrix(client, team, who, sees):
    lead_id = routed_lead(client, team)
    person = getattr(team, who)
    found = client.call(
        client.leads.SearchLeads,
        lead_service_pb2.SearchLeadsRequest(
            filter=lead_service_pb2.LeadFilter(sales_line_ids=[team.line])
        ),
        person,
    ).leads
    if sees:
        assert (
            client.call(
                client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), person
            ).id
            == lead_id
        )
        assert [lead.id for lead in found] == [lead_id]
        return
    assert not found
    unknown = client.error(
        client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id="f" * 32), person
    )
    for method, request in (
        (client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id)),
        (client.leads.GetLeadHistory, lead_service_pb2.GetLeadHistoryRequest(lead_id=lead_id)),
        (client.leads.QualifyLead, lead_service_pb2.QualifyLeadRequest(lead_id=lead_id)),
    ):
        err = client.error(method, request, person)
        assert err.code() == SC.NOT_FOUND == unknown.code()
        assert err.details() == unknown.details().replace("f" * 32, lead_id)


def test_revoked_scope_hides_the_lead(client, team):
    lead_id = routed_lead(client, team)
    client.call(client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), team.mate)
    team.grant(team.mate)  # territory's snapshot lists no team any more
    err = client.error(
        client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), team.mate
    )
    assert err.code() == SC.NOT_FOUND


def test_a_deactivated_persons_token_is_refused_on_every_call(client, team):
    lead_id = routed_lead(client, team)
    team.grant(team.mate, active=False)  # deactivated (territory's snapshot says inactive)
    err = client.error(
        client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), team.mate
    )
    assert err.code() == SC.UNAUTHENTICATED and "deactivated" in err.details()


def test_teammate_works_leaders_reassign_expert_may_not(client, team):
    lead_id = routed_lead(client, team)
    working = client.call(
        client.leads.StartWorkingLead,
        lead_service_pb2.StartWorkingLeadRequest(lead_id=lead_id),
        team.mate,
    )
    assert working.status == lead_pb2.LEAD_STATUS_WORKING
    request = lead_service_pb2.AssignLeadRequest(
        lead_id=lead_id, owner_user_id=team.mate.id, note="cover"
    )
    err = client.error(client.leads.AssignLead, request, team.owner)
    assert err.code() == SC.PERMISSION_DENIED
    assigned = client.call(client.leads.AssignLead, request, team.supervisor)
    assert assigned.assignment.owner_user_id == team.mate.id
    back = client.call(
        client.leads.AssignLead,
        lead_service_pb2.AssignLeadRequest(lead_id=lead_id, owner_user_id=team.owner.id),
        team.manager,
    )  # manager of the unit above
    assert back.assignment.owner_user_id == team.owner.id
    err = client.error(
        client.leads.AssignLead,
        lead_service_pb2.AssignLeadRequest(lead_id=lead_id, owner_user_id=team.outsider.id),
        team.manager,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "not a member" in err.details()


def test_duplicate_refused_naming_the_lead_or_merged_keeping_both_histories(client, team):
    email = f"dup.{uuid.uuid4().hex[:8]}@parkworks.example"
    lead_id = routed_lead(client, team, email=email)
    err = client.error(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex, lead=lead_input(email.upper())
        ),
        team.owner,
    )
    assert err.code() == SC.ALREADY_EXISTS and lead_id in err.details()
    err = client.error(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex, lead=lead_input(email)
        ),
        team.outsider,
    )
    assert err.code() == SC.ALREADY_EXISTS and lead_id not in err.details()
    merged = capture(
        client, team, email=email, person=team.owner, policy=lead_service_pb2.DUPLICATE_POLICY_MERGE
    )
    assert merged.merged and merged.lead.id == lead_id
    other_id = routed_lead(client, team)
    survivor = client.call(
        client.leads.MergeLeads,
        lead_service_pb2.MergeLeadsRequest(survivor_lead_id=lead_id, duplicate_lead_id=other_id),
        team.supervisor,
    )
    assert list(survivor.merged_lead_ids) == [other_id]
    entries = client.call(
        client.leads.GetLeadHistory,
        lead_service_pb2.GetLeadHistoryRequest(lead_id=lead_id),
        team.owner,
    ).entries
    assert {e.lead_id for e in entries} == {lead_id, other_id}
    assert any("captured again" in e.note for e in entries)


def test_lifecycle_and_conversion(client, team):
    lead_id = routed_lead(client, team)
    out = client.call(
        client.leads.DisqualifyLead,
        lead_service_pb2.DisqualifyLeadRequest(
            lead_id=lead_id, reason=lead_pb2.DISQUALIFICATION_REASON_TIMING, note="next year"
        ),
        team.mate,
    )
    assert out.status == lead_pb2.LEAD_STATUS_DISQUALIFIED
    client.call(
        client.leads.ReactivateLead,
        lead_service_pb2.ReactivateLeadRequest(lead_id=lead_id),
        team.owner,
    )
    converting = client.call(
        client.leads.ConvertLead, lead_service_pb2.ConvertLeadRequest(lead_id=lead_id), team.owner
    )
    assert converting.status == lead_pb2.LEAD_STATUS_CONVERTING
    assert converting.conversion.opportunity_name == "Parkworks AG - new business"
    err = client.error(
        client.leads.UpdateLead,
        lead_service_pb2.UpdateLeadRequest(
            lead_id=lead_id,
            lead=lead_input("x@parkworks.example"),
            update_mask={"paths": ["person.email"]},
        ),
        team.owner,
    )
    assert err.code() == SC.FAILED_PRECONDITION
    actions = [
        e.action
        for e in client.call(
            client.leads.GetLeadHistory,
            lead_service_pb2.GetLeadHistoryRequest(lead_id=lead_id),
            team.owner,
        ).entries
    ]
    assert actions[0] == "created" and "status_changed" in actions


def test_search_pages_with_a_cursor_inside_the_scope(client, team):
    ids = {routed_lead(client, team) for _ in range(5)}
    routed_lead(client, team, owner=team.outsider, team_id=team.other_id)
    request = lead_service_pb2.SearchLeadsRequest(
        filter=lead_service_pb2.LeadFilter(sales_line_ids=[team.line], countries=["Germany"]),
        sort=lead_service_pb2.LEAD_SORT_FIELD_CREATED_AT,
        page={"page_size": 2},
    )
    seen = []
    while True:
        page = client.call(client.leads.SearchLeads, request, team.manager)
        seen += [lead.id for lead in page.leads]
        if not page.page_info.next_cursor:
            break
        request.page.cursor = page.page_info.next_cursor
    assert len(seen) == 5 and set(seen) == ids
    text = client.call(
        client.leads.SearchLeads,
        lead_service_pb2.SearchLeadsRequest(
            filter=lead_service_pb2.LeadFilter(text="park jo", sales_line_ids=[team.line])
        ),
        team.owner,
    )
    assert len(text.leads) == 5


def test_activity_rescoring_by_an_integration_account(client, team):
    lead_id = routed_lead(client, team)
    recorded = client.call(
        client.leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(
            activity=lead_pb2.LeadActivity(
                id=uuid.uuid4().hex, lead_id=lead_id, kind=lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED
            )
        ),
        team.mailer,
    )
    assert not recorded.HasField("score") and not recorded.replayed
    listed = client.call(
        client.leads.ListLeadActivities,
        lead_service_pb2.ListLeadActivitiesRequest(lead_id=lead_id),
        team.mate,
    )
    assert [a.kind for a in listed.activities] == [lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED]


def test_merge_by_an_outsider_neither_names_nor_changes_the_lead(client, team):
    email = f"quiet.{uuid.uuid4().hex[:8]}@parkworks.example"
    lead_id = routed_lead(client, team, email=email)
    before = client.call(
        client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), team.owner
    )
    answers = []
    for person in (team.outsider, team.admin, team.form):
        for policy in (
            lead_service_pb2.DUPLICATE_POLICY_MERGE,
            lead_service_pb2.DUPLICATE_POLICY_REJECT,
        ):
            request = lead_service_pb2.CreateLeadRequest(
                idempotency_key=uuid.uuid4().hex, lead=lead_input(email), on_duplicate=policy
            )
            request.lead.person.title = "Planted title"
            err = client.error(client.leads.CreateLead, request, person)
            assert err.code() == SC.ALREADY_EXISTS and lead_id not in err.details()
            answers.append(err.details())
    assert len(set(answers)) == 1  # merge and reject, anyone outside: one answer
    after = client.call(
        client.leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id), team.owner
    )
    assert after.version == before.version and after.data.person.title == ""


def test_service_accounts_need_their_service_role(client, team):
    lead_id = routed_lead(client, team)
    err = client.error(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex,
            lead=lead_input(f"n.{uuid.uuid4().hex[:8]}@parkworks.example"),
        ),
        team.bare_service,
    )
    assert err.code() == SC.PERMISSION_DENIED and "capture_leads" in err.details()
    answers = []
    for target in (lead_id, "f" * 32):  # an existing lead and an unknown id answer alike
        for person in (team.bare_service, team.form):
            err = client.error(
                client.leads.RecordLeadActivity,
                lead_service_pb2.RecordLeadActivityRequest(
                    activity=lead_pb2.LeadActivity(
                        id=uuid.uuid4().hex,
                        lead_id=target,
                        kind=lead_pb2.ACTIVITY_KIND_EMAIL_OPENED,
                    )
                ),
                person,
            )
            assert err.code() == SC.PERMISSION_DENIED
            answers.append(err.details())
    assert len(set(answers)) == 1 and "record_lead_activity" in answers[0]
    listed = client.call(
        client.leads.ListLeadActivities,
        lead_service_pb2.ListLeadActivitiesRequest(lead_id=lead_id),
        team.mate,
    )
    assert not listed.activities
