"""The access matrix: every kind of person against every action, plus revocation events."""

import pytest

from crm.territory.v1 import access_pb2
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_territory.domain.access import Action, DenyReason, Via
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import access, memberships, org, teams

from .conftest import ACCESS_CHECKER, ADMIN, WORKER, World, user

Y, N = True, False
# subject -> expected result for each action, on a record of team "Berlin" owned by "owner"
MATRIX = {
    #                   READ RECORD UPDATE REASSIGN TRANSFER DELETE REPORTS
    "owner": (Y, Y, Y, N, N, N, N),
    "teammate": (Y, Y, N, N, N, N, N),
    "supervisor": (Y, Y, Y, Y, N, N, Y),
    "team_manager": (Y, Y, Y, Y, Y, Y, Y),
    "unit_manager": (Y, Y, Y, Y, Y, Y, Y),
    "sibling_manager": (N, N, N, N, N, N, N),
    "admin": (N, N, N, N, N, N, N),
    "no_department": (N, N, N, N, N, N, N),
    "deactivated": (N, N, N, N, N, N, N),
    "stranger": (N, N, N, N, N, N, N),
}
ACTIONS = [
    Action.READ,
    Action.RECORD_ACTIVITY,
    Action.UPDATE,
    Action.REASSIGN,
    Action.TRANSFER,
    Action.DELETE,
    Action.VIEW_REPORTS,
]


@pytest.fixture(scope="module")
def org_world():
    w = World()
    division = w.unit("EMEA")
    dach, nordics = w.unit("DACH", division), w.unit("Nordics", division)
    berlin = w.team("Berlin", w.unit("Berlin Area", dach))
    oslo = w.team("Oslo", nordics)
    w.member(berlin, "owner")
    w.member(berlin, "teammate")
    w.member(berlin, "supervisor", role=TeamRole.SUPERVISOR)
    w.member(berlin, "team_manager", role=TeamRole.MANAGER)
    w.member(oslo, "stranger")
    w.person("unit_manager")
    w.person("sibling_manager")
    org.assign_unit_manager(w.deps, ADMIN, unit_id=dach.id, user_id="unit_manager")
    org.assign_unit_manager(w.deps, ADMIN, unit_id=nordics.id, user_id="sibling_manager")
    w.person("admin", departments=("management",), roles=("admin",))
    w.member(berlin, "no_department")
    w.member(berlin, "deactivated")
    w.person("no_department", departments=())  # identity: left every dept
    w.person("deactivated", active=False)  # identity: deactivated
    return w, berlin


@pytest.mark.parametrize("subject", list(MATRIX))
@pytest.mark.parametrize("index", range(len(ACTIONS)), ids=[a.value for a in ACTIONS])
def test_access_matrix(org_world, subject, index):
    w, berlin = org_world
    decision = access.check_access(
        w.deps,
        ACCESS_CHECKER,
        user_id=subject,
        action=ACTIONS[index],
        team_id=berlin.id,
        record_owner_id="owner",
    )
    assert decision.allowed is MATRIX[subject][index], decision.reason


@pytest.mark.parametrize(
    "subject,reason",
    [
        ("no_department", DenyReason.NO_DEPARTMENT),
        ("deactivated", DenyReason.DEACTIVATED),
        ("admin", DenyReason.NOT_IN_SCOPE),
        ("sibling_manager", DenyReason.NOT_IN_SCOPE),
        ("nobody-at-all", DenyReason.UNKNOWN_USER),
    ],
)
def test_deny_reasons(org_world, subject, reason):
    w, berlin = org_world
    decision = access.check_access(
        w.deps, ACCESS_CHECKER, user_id=subject, action=Action.READ, team_id=berlin.id
    )
    assert decision.deny_reason is reason


def test_teammate_gets_a_helpful_reason(org_world):
    w, berlin = org_world
    d = access.check_access(
        w.deps,
        ACCESS_CHECKER,
        user_id="teammate",
        action=Action.UPDATE,
        team_id=berlin.id,
        record_owner_id="owner",
    )
    assert d.deny_reason is DenyReason.NOT_OWNER and "record activity" in d.reason


def test_list_scopes(org_world):
    w, berlin = org_world
    mine = access.list_scopes(w.deps, user("unit_manager"), user_id="unit_manager")
    assert [(s.team_id, s.role, s.via) for s in mine.scopes] == [
        (berlin.id, TeamRole.MANAGER, Via.UNIT_MANAGER)
    ]
    for empty in ("admin", "no_department", "deactivated", "sibling_manager"):
        if empty == "sibling_manager":
            # sees Oslo only, never Berlin
            assert berlin.id not in [
                s.team_id for s in access.list_scopes(w.deps, ACCESS_CHECKER, user_id=empty).scopes
            ]
        else:
            assert access.list_scopes(w.deps, ADMIN, user_id=empty).scopes == []


def test_who_may_ask(org_world):
    w, berlin = org_world
    with pytest.raises(PermissionDenied):
        access.list_scopes(w.deps, user("owner"), user_id="teammate")
    with pytest.raises(PermissionDenied):  # admins may list scopes, not probe decisions
        access.check_access(w.deps, ADMIN, user_id="owner", action=Action.READ, team_id=berlin.id)
    assert access.check_access(
        w.deps, user("owner"), user_id="owner", action=Action.READ, team_id=berlin.id
    ).allowed
    with pytest.raises(InvalidArgument):
        access.check_access(w.deps, ACCESS_CHECKER, user_id="owner", action=None, team_id=berlin.id)
    with pytest.raises(InvalidArgument):
        access.check_access(
            w.deps, ACCESS_CHECKER, user_id="", action=Action.READ, team_id=berlin.id
        )


# ---------------------------------------------------------------- revocation events


def _last_access(world, user_id):
    return [
        e.user_scopes
        for e in world.uow.events("user_access_changed")
        if e.user_scopes.user_id == user_id
    ][-1]


def test_joining_and_moving_publish_complete_scopes(world):
    region = world.unit("R", world.unit("D"))
    a, b = world.team("A", region), world.team("B", region)
    world.member(a, "rep")
    first = _last_access(world, "rep")
    assert [s.team_id for s in first.scopes] == [a.id]
    assert first.scopes[0].source == access_pb2.SCOPE_SOURCE_MEMBERSHIP
    memberships.move_member(world.deps, ADMIN, user_id="rep", from_team_id=a.id, to_team_id=b.id)
    moved = _last_access(world, "rep")
    assert [s.team_id for s in moved.scopes] == [b.id]
    assert moved.access_version == first.access_version + 1
    assert not access.check_access(
        world.deps, ACCESS_CHECKER, user_id="rep", action=Action.READ, team_id=a.id
    ).allowed


def test_deactivation_revokes_everything_at_once(world):
    team = world.team("A", world.unit("D"))
    world.member(team, "rep")
    world.person("rep", active=False)
    event = _last_access(world, "rep")
    assert event.scopes == [] and event.active is False
    assert event.access_version == world.uow.people.get("rep").access_version


def test_leaving_every_department_revokes(world):
    team = world.team("A", world.unit("D"))
    world.member(team, "rep")
    world.person("rep", departments=())
    assert _last_access(world, "rep").scopes == []


def test_unit_manager_changes_and_team_moves_publish(world):
    division = world.unit("D")
    r1, r2 = world.unit("R1", division), world.unit("R2", division)
    team = world.team("T", r1)
    world.person("boss")
    org.assign_unit_manager(world.deps, ADMIN, unit_id=r1.id, user_id="boss")
    assert [s.team_id for s in _last_access(world, "boss").scopes] == [team.id]
    teams.move_team(world.deps, ADMIN, team_id=team.id, new_unit_id=r2.id)
    assert _last_access(world, "boss").scopes == []  # the team left boss's unit
    new_team = world.team("T2", r1)  # a new team widens the scope
    assert [s.team_id for s in _last_access(world, "boss").scopes] == [new_team.id]
    org.remove_unit_manager(world.deps, ADMIN, unit_id=r1.id, user_id="boss")
    assert _last_access(world, "boss").scopes == []


def test_no_event_when_access_does_not_change(world):
    team = world.team("A", world.unit("D"))
    m = world.member(team, "rep")
    count = len(world.uow.events("user_access_changed"))
    memberships.update_membership(
        world.deps, ADMIN, membership_id=m.id, changes={"daily_capacity": 5}
    )
    world.person("rep", name="Rep Renamed")
    assert len(world.uow.events("user_access_changed")) == count


def test_reactivation_restores_membership_access(world):
    team = world.team("A", world.unit("D"))
    world.member(team, "rep")
    world.person("rep", active=False)
    world.person("rep", active=True)
    event = _last_access(world, "rep")
    assert event.active and [s.team_id for s in event.scopes] == [team.id]
    versions = [
        e.user_scopes.access_version
        for e in world.uow.events("user_access_changed")
        if e.user_scopes.user_id == "rep"
    ]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_unit_managers_keep_seeing_a_deactivated_team_its_former_members_do_not(world):
    region = world.unit("R", world.unit("D"))
    team = world.team("Old", region)
    m = world.member(team, "rep")
    world.person("boss")
    org.assign_unit_manager(world.deps, ADMIN, unit_id=region.id, user_id="boss")
    memberships.end_membership(world.deps, ADMIN, membership_id=m.id)
    teams.deactivate_team(world.deps, ADMIN, team_id=team.id)
    read = dict(action=Action.READ, team_id=team.id)
    assert access.check_access(world.deps, ACCESS_CHECKER, user_id="boss", **read).allowed
    assert not access.check_access(world.deps, ACCESS_CHECKER, user_id="rep", **read).allowed


def test_identity_facts_arriving_out_of_order_are_ignored(world):
    from crm_territory.service_layer import people

    team = world.team("A", world.unit("D"))
    world.member(team, "rep")
    newer = world.directory.put("rep", active=False)
    newer = type(newer)(**{**newer.__dict__, "version": 5})
    people.record_user(world.deps, WORKER, user=newer)
    older = type(newer)(**{**newer.__dict__, "active": True, "version": 4})
    assert people.record_user(world.deps, WORKER, user=older) == []
    assert world.uow.people.get("rep").active is False
