"""OrgService, TeamService and MembershipService over a real gRPC server: an organisation built
with the API, paging, field masks, and bad input answered with the right code and message."""

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from crm.common.v1 import pagination_pb2
from crm.territory.v1 import access_pb2, org_pb2, teams_pb2

from .conftest import World
from .grpc_client import Client, field_of, start

SC = grpc.StatusCode


@pytest.fixture
def api():
    w = World()
    for person in ("ann", "bob", "cid", "dee"):
        w.directory.put(person)
    running, channel, tokens = start(w)
    client = Client(channel)
    yield (
        w,
        client.as_(tokens.user("admin-1", "admin", departments=("management",))),
        client,
        tokens,
    )
    channel.close()
    running.stop(0)


def build(admin):
    """EMEA > DACH > Berlin Area with team "Berlin Reps" (ann, bob) and team "Munich" (cid)."""

    def unit(name, parent="", department=""):
        return admin(
            admin.org.CreateOrgUnit,
            org_pb2.CreateOrgUnitRequest(name=name, parent_id=parent, department=department),
        ).unit

    emea = unit("EMEA", department="sales")
    dach = unit("DACH", emea.id)
    area = unit("Berlin Area", dach.id)
    berlin = admin(
        admin.teams.CreateTeam,
        teams_pb2.CreateTeamRequest(name="Berlin Reps", unit_id=area.id, time_zone="Europe/Berlin"),
    ).team
    munich = admin(
        admin.teams.CreateTeam, teams_pb2.CreateTeamRequest(name="Munich", unit_id=dach.id)
    ).team
    for person, team in (("ann", berlin), ("bob", berlin), ("cid", munich)):
        admin(
            admin.members.AddMember,
            teams_pb2.AddMemberRequest(
                team_id=team.id, user_id=person, role=teams_pb2.TEAM_ROLE_EXPERT
            ),
        )
    return emea, dach, area, berlin, munich


def test_an_organisation_built_over_the_api(api):
    w, admin, _, _ = api
    _emea, dach, area, berlin, munich = build(admin)
    assert (area.level, area.level_name, area.department, area.parent_id) == (
        3,
        "area",
        "sales",
        dach.id,
    )
    assert berlin.strategy == teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN
    assert berlin.time_zone == "Europe/Berlin" and munich.time_zone == "UTC"
    listed = admin(admin.org.ListOrgUnits, org_pb2.ListOrgUnitsRequest()).units
    assert [u.name for u in listed] == ["EMEA", "DACH", "Berlin Area"]
    below_dach = admin(admin.teams.ListTeams, teams_pb2.ListTeamsRequest(unit_id=dach.id)).teams
    assert [t.name for t in below_dach] == ["Berlin Reps", "Munich"]
    roster = admin(
        admin.members.ListMemberships, teams_pb2.ListMembershipsRequest(team_id=berlin.id)
    ).memberships
    assert sorted(m.user_id for m in roster) == ["ann", "bob"]
    assert all(m.takes_leads and not m.HasField("ends_at") for m in roster)
    managed = admin(
        admin.org.AssignUnitManager,
        org_pb2.AssignUnitManagerRequest(unit_id=dach.id, user_id="dee"),
    ).unit
    assert list(managed.manager_user_ids) == ["dee"]
    renamed = admin(
        admin.org.RenameOrgUnit,
        org_pb2.RenameOrgUnitRequest(
            id=area.id, name="Berlin-Brandenburg", expected_version=area.version
        ),
    ).unit
    assert renamed.name == "Berlin-Brandenburg" and renamed.version == area.version + 1
    assert "org_unit_changed" in w.uow.emitted_types()


def test_pages_follow_the_cursor(api):
    _, admin, _, _ = api
    emea = admin(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="EMEA", department="sales")
    ).unit
    for i in range(5):
        admin(
            admin.teams.CreateTeam, teams_pb2.CreateTeamRequest(name=f"Team {i}", unit_id=emea.id)
        )
    names, cursor = [], ""
    while True:
        reply = admin(
            admin.teams.ListTeams,
            teams_pb2.ListTeamsRequest(page=pagination_pb2.PageRequest(page_size=2, cursor=cursor)),
        )
        names += [t.name for t in reply.teams]
        cursor = reply.page.next_cursor
        if not cursor:
            break
    assert names == [f"Team {i}" for i in range(5)]
    err = admin.error(
        admin.teams.ListTeams,
        teams_pb2.ListTeamsRequest(page=pagination_pb2.PageRequest(cursor="not-ours")),
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "page.cursor"
    err = admin.error(
        admin.teams.ListTeams,
        teams_pb2.ListTeamsRequest(page=pagination_pb2.PageRequest(page_size=501)),
    )
    # The platform's one page-size message (crm_chassis.paging) names the field and the limits.
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "page.page_size"
    assert "1..500" in err.details() and "default 50" in err.details()


def test_cycles_depth_and_blocked_deletes_are_refused_clearly(api):
    _, admin, _, _ = api
    emea, dach, area, berlin, _ = build(admin)
    err = admin.error(
        admin.org.MoveOrgUnit, org_pb2.MoveOrgUnitRequest(id=emea.id, new_parent_id=area.id)
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "new_parent_id"
    assert "cycle" in err.details() and "'Berlin Area' is inside 'EMEA'" in err.details()
    err = admin.error(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="Mitte", parent_id=area.id)
    )
    assert err.code() == SC.FAILED_PRECONDITION and "lowest level" in err.details()
    err = admin.error(admin.org.DeleteOrgUnit, org_pb2.DeleteOrgUnitRequest(id=area.id))
    assert err.code() == SC.FAILED_PRECONDITION
    assert "'Berlin Area' cannot be deleted" in err.details()
    assert "team 'Berlin Reps' (2 active member(s))" in err.details()
    err = admin.error(admin.org.DeactivateOrgUnit, org_pb2.DeactivateOrgUnitRequest(id=dach.id))
    assert (
        err.code() == SC.FAILED_PRECONDITION
        and "active child unit(s): 'Berlin Area'" in err.details()
    )
    err = admin.error(admin.teams.DeactivateTeam, teams_pb2.DeactivateTeamRequest(id=berlin.id))
    assert err.code() == SC.FAILED_PRECONDITION and "2 active member(s)" in err.details()
    err = admin.error(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="DACH", parent_id=emea.id)
    )
    assert err.code() == SC.ALREADY_EXISTS
    err = admin.error(
        admin.org.RenameOrgUnit,
        org_pb2.RenameOrgUnitRequest(id=dach.id, name="D-A-CH", expected_version=99),
    )
    assert err.code() == SC.FAILED_PRECONDITION
    err = admin.error(admin.org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id="no-such-unit"))
    assert err.code() == SC.NOT_FOUND and "no-such-unit" in err.details()
    err = admin.error(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="X", department="legal")
    )
    assert err.code() == SC.INVALID_ARGUMENT and "department must be one of" in err.details()


def test_an_empty_unit_can_be_deleted(api):
    _, admin, _, _ = api
    emea = admin(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="EMEA", department="sales")
    ).unit
    admin(admin.org.DeleteOrgUnit, org_pb2.DeleteOrgUnitRequest(id=emea.id))
    err = admin.error(admin.org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=emea.id))
    assert err.code() == SC.NOT_FOUND


def test_structure_needs_admin_and_every_call_a_token(api):
    _, admin, client, tokens = api
    emea = admin(
        admin.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="EMEA", department="sales")
    ).unit
    rep = client.as_(tokens.user("ann"))
    err = rep.error(
        rep.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="Mine", department="sales")
    )
    assert err.code() == SC.PERMISSION_DENIED and "admin role" in err.details()
    assert rep(rep.org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=emea.id)).unit.name == "EMEA"
    err = client.error(client.org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=emea.id))
    assert err.code() == SC.UNAUTHENTICATED
    settings = rep(rep.org.GetOrgSettings, org_pb2.GetOrgSettingsRequest()).settings
    assert list(settings.level_names) == ["division", "region", "area"]
    err = admin.error(admin.org.SetLevelNames, org_pb2.SetLevelNamesRequest(level_names=["a", "b"]))
    assert err.code() == SC.INVALID_ARGUMENT and "exactly 3" in err.details()


def test_memberships_move_mask_pause_and_leave(api):
    w, admin, client, tokens = api
    _, _, _, berlin, munich = build(admin)
    ann = admin(
        admin.members.ListMemberships,
        teams_pb2.ListMembershipsRequest(team_id=berlin.id, user_id="ann"),
    ).memberships[0]
    updated = admin(
        admin.members.UpdateMembership,
        teams_pb2.UpdateMembershipRequest(
            membership_id=ann.id,
            membership=teams_pb2.Membership(daily_capacity=5, takes_leads=False),
            update_mask=field_mask_pb2.FieldMask(paths=["daily_capacity"]),
            expected_version=ann.version,
        ),
    ).membership
    assert updated.daily_capacity == 5 and updated.takes_leads  # only the masked field changed
    err = admin.error(
        admin.members.UpdateMembership,
        teams_pb2.UpdateMembershipRequest(
            membership_id=ann.id, update_mask=field_mask_pb2.FieldMask(paths=["user_id"])
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT and "unknown: user_id" in err.details()
    # The member pauses themselves; a teammate may not.
    me = client.as_(tokens.user("ann"))
    assert me(
        me.members.PauseMember, teams_pb2.PauseMemberRequest(membership_id=ann.id)
    ).membership.paused
    bob = client.as_(tokens.user("bob"))
    err = bob.error(bob.members.ResumeMember, teams_pb2.ResumeMemberRequest(membership_id=ann.id))
    assert err.code() == SC.PERMISSION_DENIED
    moved = admin(
        admin.members.MoveMember,
        teams_pb2.MoveMemberRequest(user_id="ann", from_team_id=berlin.id, to_team_id=munich.id),
    )
    assert moved.ended.id == ann.id and moved.ended.HasField("ends_at")
    assert "moved to team 'Munich'" in moved.ended.end_reason
    assert (moved.started.team_id, moved.started.role) == (munich.id, teams_pb2.TEAM_ROLE_EXPERT)
    current = admin(
        admin.members.ListMemberships, teams_pb2.ListMembershipsRequest(user_id="ann")
    ).memberships
    assert [m.team_id for m in current] == [munich.id]
    everything = admin(
        admin.members.ListMemberships,
        teams_pb2.ListMembershipsRequest(user_id="ann", include_ended=True),
    ).memberships
    assert len(everything) == 2
    request = teams_pb2.RecordAbsenceRequest(user_id="ann", reason="vacation")
    request.starts_at.FromDatetime(w.clock.now() + dt.timedelta(days=1))
    request.ends_at.FromDatetime(w.clock.now() + dt.timedelta(days=8))
    absence = me(me.members.RecordAbsence, request).absence
    assert absence.reason == "vacation" and not absence.cancelled
    listed = me(me.members.ListAbsences, teams_pb2.ListAbsencesRequest(user_id="ann")).absences
    assert [a.id for a in listed] == [absence.id]
    assert me(
        me.members.CancelAbsence, teams_pb2.CancelAbsenceRequest(absence_id=absence.id)
    ).absence.cancelled


def test_membership_input_errors(api):
    w, admin, _, _ = api
    _, _, _, berlin, munich = build(admin)
    err = admin.error(
        admin.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=berlin.id, user_id="ann", role=teams_pb2.TEAM_ROLE_EXPERT
        ),
    )
    assert err.code() == SC.ALREADY_EXISTS
    err = admin.error(
        admin.members.AddMember, teams_pb2.AddMemberRequest(team_id=berlin.id, user_id="dee")
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "role"
    err = admin.error(
        admin.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=berlin.id, user_id="ghost", role=teams_pb2.TEAM_ROLE_EXPERT
        ),
    )
    assert err.code() == SC.NOT_FOUND and "not known to identity" in err.details()
    future = teams_pb2.AddMemberRequest(
        team_id=berlin.id, user_id="dee", role=teams_pb2.TEAM_ROLE_EXPERT
    )
    future.starts_at.FromDatetime(w.clock.now() + dt.timedelta(days=3))
    err = admin.error(admin.members.AddMember, future)
    assert err.code() == SC.INVALID_ARGUMENT and "future" in err.details()
    err = admin.error(
        admin.members.MoveMember,
        teams_pb2.MoveMemberRequest(user_id="dee", from_team_id=berlin.id, to_team_id=munich.id),
    )
    assert err.code() == SC.FAILED_PRECONDITION and "not an active member" in err.details()
    err = admin.error(admin.members.ListMemberships, teams_pb2.ListMembershipsRequest())
    assert err.code() == SC.INVALID_ARGUMENT
    err = admin.error(admin.members.ListAbsences, teams_pb2.ListAbsencesRequest())
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "user_id"
    err = admin.error(
        admin.teams.CreateTeam,
        teams_pb2.CreateTeamRequest(name="T", unit_id=berlin.unit_id, time_zone="Mars/Olympus"),
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "time_zone"


def test_a_person_in_several_teams_has_a_scope_in_each(api):
    _, admin, client, tokens = api
    _, _, _, berlin, munich = build(admin)
    admin(
        admin.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=munich.id, user_id="ann", role=teams_pb2.TEAM_ROLE_SUPERVISOR
        ),
    )
    ann = client.as_(tokens.user("ann"))
    scopes = ann(ann.access.ListScopes, access_pb2.ListScopesRequest(user_id="ann")).user_scopes
    assert sorted((s.team_id, s.role) for s in scopes.scopes) == sorted(
        [(berlin.id, teams_pb2.TEAM_ROLE_EXPERT), (munich.id, teams_pb2.TEAM_ROLE_SUPERVISOR)]
    )


def test_people_names_over_grpc_name_only_who_shares_a_scope(api):
    _, admin, client, tokens = api
    build(admin)
    ask = teams_pb2.ListPeopleNamesRequest(user_ids=["cid", "ann", "bob", "ghost"])
    ann = client.as_(tokens.user("ann"))
    answer = ann(ann.members.ListPeopleNames, ask)
    assert [(p.user_id, p.display_name) for p in answer.people] == [("ann", "Ann"), ("bob", "Bob")]
    everyone = admin(admin.members.ListPeopleNames, ask)
    assert [p.user_id for p in everyone.people] == ["cid", "ann", "bob"]
    service = client.as_(tokens.service("reporting"))
    err = service.error(service.members.ListPeopleNames, ask)
    assert err.code() == SC.PERMISSION_DENIED and "service account" in err.details()
    many = teams_pb2.ListPeopleNamesRequest(user_ids=[f"u{i}" for i in range(501)])
    err = ann.error(ann.members.ListPeopleNames, many)
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "user_ids"
