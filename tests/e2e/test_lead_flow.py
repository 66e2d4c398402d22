"""End to end over the real processes of identity, territory and leads (api, worker and relay
each, on PostgreSQL and RabbitMQ): a lead captured by a web form is routed by territory's rules
to a team and an owner the moment it arrives; only that team and the managers above it see it,
never an administrator who is not a member; moving the owner to another team ends their access
and hands the lead to a remaining member, with the history kept."""

from __future__ import annotations

import grpc
import pytest
from e2e_platform import As, Stubs, german_line, small_company, unique, visible_lead, web_form_lead

from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import teams_pb2
from crm_devrun.bed import PlatformBed

pytestmark = pytest.mark.integration
NOT_FOUND = grpc.StatusCode.NOT_FOUND


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with PlatformBed(["identity", "territory", "leads"], tmp_path_factory.mktemp("bed")) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        yield dict(bed=bed, stubs=stubs, admin=admin, line=line, **company)


def routed(platform, person: As, lead_id: str):
    return visible_lead(platform["stubs"], person, lead_id)


def test_a_new_lead_is_routed_and_quarantined_to_its_team(platform):
    stubs, people, bed = platform["stubs"], platform["people"], platform["bed"]
    form = platform["admin"]  # an administrator captures (like a web form's service account)
    created = form(stubs.leads.CreateLead, web_form_lead(platform["line"].id))
    lead_id = created.lead.id
    lead = bed.wait_for(
        lambda: routed(platform, people["sue"], lead_id),
        60,
        "the lead was not routed to Berlin with an owner",
    )
    berlin = {people[n].user_id for n in ("ann", "bob", "sue")}
    assert lead.assignment.team_id == platform["berlin"].id
    assert lead.assignment.owner_user_id in berlin and lead.assignment.explanation
    assert lead.score.grade != lead_pb2.GRADE_UNSPECIFIED  # scored on arrival too
    # Visible to the team and the manager above; not to the admin nor to another team.
    for name in ("ann", "bob", "dee"):
        bed.wait_for(
            lambda: routed(platform, people[name], lead_id),  # noqa: B023
            30,
            f"{name} cannot see the team's lead",
        )
    assert form.code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND
    assert people["cid"].code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND


def test_moving_the_owner_revokes_access_and_hands_the_lead_over(platform):
    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    created = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id))
    lead_id = created.lead.id
    lead = bed.wait_for(lambda: routed(platform, people["sue"], lead_id), 60, "not routed")
    owner_id = lead.assignment.owner_user_id
    owner = next(p for p in people.values() if p.user_id == owner_id)
    bed.wait_for(lambda: routed(platform, owner, lead_id), 30, "the owner cannot see the lead")
    # A teammate covers for the owner: the actor is recorded.
    teammate = next(people[n] for n in ("ann", "bob", "sue") if people[n].user_id != owner_id)
    teammate(
        stubs.leads.RecordLeadActivity,
        ls.RecordLeadActivityRequest(
            activity=lead_pb2.LeadActivity(
                id=unique("visit"), lead_id=lead_id, kind=lead_pb2.ACTIVITY_KIND_PAGE_VISITED
            )
        ),
    )
    admin(
        stubs.members.MoveMember,
        teams_pb2.MoveMemberRequest(
            user_id=owner_id,
            from_team_id=platform["berlin"].id,
            to_team_id=platform["munich"].id,
            role=teams_pb2.TEAM_ROLE_EXPERT,
        ),
    )
    bed.wait_for(
        lambda: owner.code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND,
        30,
        "the moved owner still sees the old team's lead",
    )
    remaining = {people[n].user_id for n in ("ann", "bob", "sue")} - {owner_id}
    handed = bed.wait_for(
        lambda: (
            lambda lead: lead if lead and lead.assignment.owner_user_id in remaining else None
        )(routed(platform, people["sue"], lead_id)),
        60,
        "the leaver's lead was not handed to a remaining member",
    )
    assert handed.assignment.team_id == platform["berlin"].id
    history = people["sue"](
        stubs.leads.GetLeadHistory, ls.GetLeadHistoryRequest(lead_id=lead_id)
    ).entries
    steps = [
        (entry.action, {c.field: (c.old_value, c.new_value) for c in entry.changes})
        for entry in history
    ]
    assert [action for action, _ in steps] == ["created", "assigned", "assigned"]
    # What the leaver was given stays in the history, attributed as it happened.
    assert steps[1][1]["assignment.owner_user_id"] == ("", owner_id)
    assert steps[2][1]["assignment.owner_user_id"] == (owner_id, handed.assignment.owner_user_id)
    assert steps[2][1]["assignment.method"] == ("routed", "handover")
