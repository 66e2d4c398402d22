"""The gRPC API on PostgreSQL: a realistic organisation built over gRPC, a routing preview,
and a move whose access change is visible at once and leaves its events in the outbox."""

import json

import grpc
import pytest
from sqlalchemy import select

from crm.territory.v1 import (
    access_pb2,
    org_pb2,
    routing_pb2,
    sales_lines_pb2,
    teams_pb2,
    territories_pb2,
)
from crm_chassis.service_roles import CHECK_ACCESS, CHOOSE_OWNERS
from crm_territory.adapters import orm

from ...unit.grpc_client import METHODS, call_empty
from ..org_builder import priority, unique

pytestmark = pytest.mark.integration
SC = grpc.StatusCode
READ = access_pb2.ACCESS_ACTION_READ


def outbox(engine, aggregate_id):
    with engine.connect() as conn:
        return conn.execute(
            select(orm.outbox)
            .where(orm.outbox.c.aggregate_id == aggregate_id)
            .order_by(orm.outbox.c.id)
        ).all()


@pytest.fixture(scope="module")
def company(api_server, directory):
    """EMEA > DACH > Berlin Area with team Berlin (ann, bob, supervisor sue) and DACH's team
    Munich (cid); dee manages DACH, eve manages the sibling region Nordics; line SMB with a
    territory per team. Names and people are unique: the database is shared by the session."""
    client, tokens = api_server
    admin = client.as_(tokens.user("admin-1", "admin", departments=("management",)))
    people = {name: unique(name) for name in ("ann", "bob", "sue", "cid", "dee", "eve")}
    for user in people.values():
        directory.put(user)

    def unit(name, parent=None, department=""):
        return admin(
            admin.org.CreateOrgUnit,
            org_pb2.CreateOrgUnitRequest(
                name=unique(name), parent_id=parent.id if parent else "", department=department
            ),
        ).unit

    emea = unit("EMEA", department="sales")
    dach, nordics = unit("DACH", emea), unit("Nordics", emea)
    area = unit("Berlin Area", dach)
    berlin = admin(
        admin.teams.CreateTeam,
        teams_pb2.CreateTeamRequest(
            name=unique("Berlin"), unit_id=area.id, time_zone="Europe/Berlin"
        ),
    ).team
    munich = admin(
        admin.teams.CreateTeam, teams_pb2.CreateTeamRequest(name=unique("Munich"), unit_id=dach.id)
    ).team
    for who, team, role in (
        ("ann", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("bob", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("sue", berlin, teams_pb2.TEAM_ROLE_SUPERVISOR),
        ("cid", munich, teams_pb2.TEAM_ROLE_EXPERT),
    ):
        admin(
            admin.members.AddMember,
            teams_pb2.AddMemberRequest(team_id=team.id, user_id=people[who], role=role),
        )
    admin(
        admin.org.AssignUnitManager,
        org_pb2.AssignUnitManagerRequest(unit_id=dach.id, user_id=people["dee"]),
    )
    admin(
        admin.org.AssignUnitManager,
        org_pb2.AssignUnitManagerRequest(unit_id=nordics.id, user_id=people["eve"]),
    )
    line = admin(
        admin.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name=unique("SMB"),
            workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
            pipeline_id="pipe-smb",
            team_ids=[berlin.id, munich.id],
        ),
    ).sales_line
    campaign = unique("spring")  # keeps other tests' leads out of these territories

    def rule(name, *conditions):
        return territories_pb2.RoutingRule(
            name=name,
            conditions=[
                territories_pb2.RuleCondition(attribute="campaign", values=[campaign]),
                *conditions,
            ],
        )

    de = admin(
        admin.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=unique("DE"),
            sales_line_id=line.id,
            team_id=berlin.id,
            priority=priority(),
            rules=[
                rule(
                    "DE mid-size",
                    territories_pb2.RuleCondition(attribute="country", values=["DE"]),
                    territories_pb2.RuleCondition(
                        attribute="company_size",
                        ranges=[territories_pb2.ValueRange(min="50", max="250")],
                    ),
                ),
                rule("DE", territories_pb2.RuleCondition(attribute="country", values=["DE"])),
            ],
        ),
    ).territory
    at = admin(
        admin.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=unique("AT"),
            sales_line_id=line.id,
            team_id=munich.id,
            priority=priority(),
            rules=[rule("AT", territories_pb2.RuleCondition(attribute="country", values=["AT"]))],
        ),
    ).territory
    return dict(
        client=client,
        tokens=tokens,
        admin=admin,
        people=people,
        emea=emea,
        dach=dach,
        area=area,
        berlin=berlin,
        munich=munich,
        line=line,
        de=de,
        at=at,
        campaign=campaign,
    )


def test_the_organisation_reads_back(company):
    admin, c = company["admin"], company
    below = admin(admin.teams.ListTeams, teams_pb2.ListTeamsRequest(unit_id=c["emea"].id)).teams
    assert sorted(t.id for t in below) == sorted([c["berlin"].id, c["munich"].id])
    area = admin(admin.org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=c["area"].id)).unit
    assert (area.level, area.parent_id, area.department) == (3, c["dach"].id, "sales")
    roster = admin(
        admin.members.ListMemberships, teams_pb2.ListMembershipsRequest(team_id=c["berlin"].id)
    ).memberships
    assert len(roster) == 3
    got = admin(
        admin.territories.GetTerritory, territories_pb2.GetTerritoryRequest(id=c["de"].id)
    ).territory
    assert [r.name for r in got.rules] == ["DE mid-size", "DE"] and got.rules_version == 1
    err = admin.error(admin.org.DeleteOrgUnit, org_pb2.DeleteOrgUnitRequest(id=c["area"].id))
    assert err.code() == SC.FAILED_PRECONDITION
    assert (
        f"team '{c['berlin'].name}' (3 active member(s); open territories "
        f"'{c['de'].name}')" in err.details()
    )
    err = admin.error(
        admin.org.MoveOrgUnit,
        org_pb2.MoveOrgUnitRequest(id=c["emea"].id, new_parent_id=c["area"].id),
    )
    assert err.code() == SC.INVALID_ARGUMENT and "cycle" in err.details()


def test_access_matrix_on_the_database(company):
    c, p = company, company["people"]
    service = c["client"].as_(c["tokens"].service("deals", CHECK_ACCESS))

    def allowed(user, action=READ, team=None):
        return service(
            service.access.CheckAccess,
            access_pb2.CheckAccessRequest(
                user_id=user, action=action, team_id=(team or c["berlin"]).id
            ),
        ).allowed

    assert allowed(p["ann"]) and allowed(p["sue"], access_pb2.ACCESS_ACTION_REASSIGN)
    assert not allowed(p["ann"], access_pb2.ACCESS_ACTION_REASSIGN)
    assert allowed(p["dee"], access_pb2.ACCESS_ACTION_TRANSFER)  # manager of a unit above
    assert not allowed(p["eve"]) and not allowed("admin-1")  # sibling manager, admin
    scopes = service(
        service.access.ListScopes, access_pb2.ListScopesRequest(user_id=p["dee"])
    ).user_scopes
    assert sorted(s.team_id for s in scopes.scopes) == sorted([c["berlin"].id, c["munich"].id])
    assert all(s.source == access_pb2.SCOPE_SOURCE_UNIT_MANAGER for s in scopes.scopes)


def test_preview_route_explains_on_the_database(company):
    c = company
    sue = c["client"].as_(c["tokens"].user(c["people"]["sue"]))
    lead = routing_pb2.LeadAttributes(country="DE", company_size=120, campaign=c["campaign"])
    decision = sue(sue.routing.PreviewRoute, routing_pb2.PreviewRouteRequest(lead=lead)).decision
    why = decision.explanation
    assert (
        decision.outcome == routing_pb2.ROUTING_OUTCOME_ROUTED
        and decision.team_id == c["berlin"].id
    )
    assert (why.territory_id, why.rule.name, why.rule_position, why.rules_version) == (
        c["de"].id,
        "DE mid-size",
        1,
        1,
    )
    assert decision.owner_user_id in (c["people"]["ann"], c["people"]["bob"])
    assert {n.user_id for n in why.owner_choice.candidates} == {
        c["people"][x] for x in ("ann", "bob", "sue")
    }
    small = sue(
        sue.routing.PreviewRoute,
        routing_pb2.PreviewRouteRequest(
            lead=routing_pb2.LeadAttributes(country="DE", company_size=10, campaign=c["campaign"])
        ),
    ).decision.explanation
    assert (small.rule.name, small.rule_position) == ("DE", 2)
    # A preview stores nothing: there is no decision for the lead afterwards.
    named = routing_pb2.LeadAttributes(lead_id=unique("lead"), country="AT", campaign=c["campaign"])
    assert (
        sue(sue.routing.PreviewRoute, routing_pb2.PreviewRouteRequest(lead=named)).decision.team_id
        == c["munich"].id
    )
    err = c["admin"].error(
        c["admin"].routing.GetRoutingDecision,
        routing_pb2.GetRoutingDecisionRequest(lead_id=named.lead_id),
    )
    assert err.code() == SC.NOT_FOUND


def test_move_member_ends_old_access_at_once_and_leaves_events(company, engine):
    c = company
    ann = c["people"]["ann"]
    service = c["client"].as_(c["tokens"].service("deals", CHECK_ACCESS))
    check = access_pb2.CheckAccessRequest(user_id=ann, action=READ, team_id=c["berlin"].id)
    assert service(service.access.CheckAccess, check).allowed
    before = service(
        service.access.ListScopes, access_pb2.ListScopesRequest(user_id=ann)
    ).user_scopes
    moved = c["admin"](
        c["admin"].members.MoveMember,
        teams_pb2.MoveMemberRequest(
            user_id=ann, from_team_id=c["berlin"].id, to_team_id=c["munich"].id
        ),
    )
    assert moved.ended.team_id == c["berlin"].id and moved.ended.HasField("ends_at")
    assert moved.started.team_id == c["munich"].id
    # The very next calls see the new scopes: nothing cached outlives the move.
    denied = service(service.access.CheckAccess, check)
    assert not denied.allowed and denied.deny_reason == access_pb2.DENY_REASON_NOT_IN_SCOPE
    after = service(
        service.access.ListScopes, access_pb2.ListScopesRequest(user_id=ann)
    ).user_scopes
    assert [s.team_id for s in after.scopes] == [c["munich"].id]
    assert after.access_version == before.access_version + 1
    ended, started = outbox(engine, moved.ended.id), outbox(engine, moved.started.id)
    assert [r.event_type for r in ended][-1] == "membership_changed"
    ended_body = json.loads(ended[-1].payload)
    assert ended_body["change"] == "CHANGE_KIND_ENDED"
    assert ended_body["moved_to_team_id"] == c["munich"].id
    assert json.loads(started[-1].payload)["moved_from_team_id"] == c["berlin"].id
    access_rows = [r for r in outbox(engine, ann) if r.event_type == "user_access_changed"]
    latest = access_rows[-1]
    assert latest.aggregate_version == after.access_version
    assert latest.exchange == "territory.events"
    body = json.loads(latest.payload)["user_scopes"]
    assert [s["team_id"] for s in body["scopes"]] == [c["munich"].id]


def test_choose_owners_hands_a_leavers_items_to_the_remaining_members(company):
    c, p = company, company["people"]
    deals = c["client"].as_(c["tokens"].service("deals", CHOOSE_OWNERS))
    subjects = [f"deal:{unique('d')}" for _ in range(4)]
    request = routing_pb2.ChooseOwnersRequest(
        team_id=c["berlin"].id, subject_ids=subjects, exclude_user_ids=[p["ann"]]
    )
    first = deals(deals.routing.ChooseOwners, request).owners
    owners = [o.choice.owner_user_id for o in first]
    assert [o.subject_id for o in first] == subjects
    # Round robin over the two remaining members who take leads (a supervisor does).
    assert sorted(owners) == sorted([p["bob"], p["bob"], p["sue"], p["sue"]])
    again = deals(deals.routing.ChooseOwners, request).owners
    assert [o.choice.owner_user_id for o in again] == owners  # idempotent per subject
    err = c["admin"].error(c["admin"].routing.ChooseOwners, request)
    assert err.code() == SC.PERMISSION_DENIED


@pytest.mark.parametrize("who", ["admin", "service"])
def test_no_method_answers_internal_to_an_empty_request(api_server, who):
    client, tokens = api_server
    token = tokens.user("admin-1", "admin") if who == "admin" else tokens.service()
    internal = []
    for service_name, method in METHODS:
        err = call_empty(client.channel, service_name, method, token)
        if err is not None and err.code() in (SC.INTERNAL, SC.UNKNOWN):
            internal.append(f"{method.name}: {err.details()}")
    assert internal == []
