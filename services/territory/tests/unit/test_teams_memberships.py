import datetime as dt

import pytest

from crm.territory.v1 import events_pb2, teams_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.service_layer import absences, memberships, org, teams
from crm_territory.service_layer.caller import Caller

from .conftest import ADMIN, user


@pytest.fixture
def dach(world):
    region = world.unit("DACH", world.unit("EMEA"))
    return world, region, world.team("Berlin", region), world.team("Munich", region)


def test_team_creation_and_validation(dach):
    world, region, _berlin, _ = dach
    assert (
        world.uow.events("team_changed")[0].team.strategy == teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN
    )
    with pytest.raises(AlreadyExists):
        world.team("berlin", region)
    with pytest.raises(InvalidArgument) as err:
        world.team("Hamburg", region, time_zone="Mars/Olympus")
    assert "unknown IANA time zone" in err.value.message
    with pytest.raises(NotFound):
        teams.create_team(world.deps, ADMIN, name="X", unit_id="nope")


def test_set_routing_and_move_team(dach):
    world, region, berlin, _ = dach
    t = teams.set_team_routing(
        world.deps,
        ADMIN,
        team_id=berlin.id,
        strategy=RoutingStrategy.LOAD_BALANCED,
        time_zone="Europe/Berlin",
    )
    assert (t.strategy, t.time_zone, t.version) == (
        RoutingStrategy.LOAD_BALANCED,
        "Europe/Berlin",
        2,
    )
    other = world.unit("Nordics", world.uow.units.get(region.parent_id))
    moved = teams.move_team(world.deps, ADMIN, team_id=berlin.id, new_unit_id=other.id)
    assert moved.unit_id == other.id
    assert world.uow.events("team_changed")[-1].previous_unit_id == region.id
    marketing = world.unit("Brand", department="marketing")
    with pytest.raises(FailedPrecondition) as err:
        teams.move_team(world.deps, ADMIN, team_id=berlin.id, new_unit_id=marketing.id)
    assert "belongs to sales" in err.value.message


def test_team_deactivate_and_delete_blockers(dach):
    world, _, berlin, munich = dach
    m = world.member(berlin, "rep1")
    org.set_unassigned_queue(world.deps, ADMIN, team_id=munich.id)
    with pytest.raises(FailedPrecondition) as err:
        teams.deactivate_team(world.deps, ADMIN, team_id=berlin.id)
    assert "1 active member(s)" in err.value.message
    with pytest.raises(FailedPrecondition) as err:
        teams.delete_team(world.deps, ADMIN, team_id=munich.id)
    assert "unassigned queue team" in err.value.message
    memberships.end_membership(world.deps, ADMIN, membership_id=m.id)
    teams.deactivate_team(world.deps, ADMIN, team_id=berlin.id)
    teams.delete_team(world.deps, ADMIN, team_id=berlin.id)
    assert world.uow.teams.get(berlin.id) is None


def test_add_member_validations(dach):
    world, _, berlin, _ = dach
    with pytest.raises(NotFound) as err:
        memberships.add_member(
            world.deps, ADMIN, team_id=berlin.id, user_id="ghost", role=TeamRole.EXPERT
        )
    assert "not known to identity" in err.value.message
    world.directory.put("gone", active=False)
    with pytest.raises(FailedPrecondition) as err:
        world.member(berlin, "gone")
    assert "deactivated" in err.value.message
    world.member(berlin, "rep1")
    with pytest.raises(AlreadyExists) as err:
        world.member(berlin, "rep1")
    assert "already has a membership" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        world.member(berlin, "rep2", capacity=-3)
    assert "daily_capacity" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        memberships.add_member(
            world.deps,
            ADMIN,
            team_id=berlin.id,
            user_id="rep3",
            role=TeamRole.EXPERT,
            starts_at=world.clock.now() + dt.timedelta(days=1),
        )
    assert "future" in err.value.message


def test_membership_events_and_defaults(dach):
    world, _, berlin, _ = dach
    mgr = world.member(berlin, "boss", role=TeamRole.MANAGER)
    rep = world.member(berlin, "rep1", capacity=20)
    assert mgr.takes_leads is False and rep.takes_leads is True and rep.daily_capacity == 20
    started = world.uow.events("membership_changed")[-1]
    assert started.change == events_pb2.CHANGE_KIND_STARTED
    assert started.membership.user_id == "rep1"
    assert started.meta.aggregate_type == "membership"


def test_move_member_ends_old_and_starts_new_at_once(dach):
    world, _, berlin, munich = dach
    world.member(berlin, "rep1", role=TeamRole.SUPERVISOR)
    world.uow.emitted.clear()
    world.clock.advance(dt.timedelta(hours=1))
    old, new = memberships.move_member(
        world.deps, ADMIN, user_id="rep1", from_team_id=berlin.id, to_team_id=munich.id
    )
    assert old.ends_at == world.clock.now() == new.starts_at
    assert new.role is TeamRole.SUPERVISOR and "moved to team 'Munich'" in old.end_reason
    ended, started = world.uow.events("membership_changed")
    assert ended.change == events_pb2.CHANGE_KIND_ENDED and ended.moved_to_team_id == munich.id
    assert started.change == events_pb2.CHANGE_KIND_STARTED
    assert started.moved_from_team_id == berlin.id
    access = world.uow.events("user_access_changed")[-1].user_scopes
    assert [s.team_id for s in access.scopes] == [munich.id]
    with pytest.raises(FailedPrecondition) as err:
        memberships.move_member(
            world.deps, ADMIN, user_id="rep1", from_team_id=berlin.id, to_team_id=munich.id
        )
    assert "not an active member" in err.value.message
    with pytest.raises(InvalidArgument):
        memberships.move_member(
            world.deps, ADMIN, user_id="rep1", from_team_id=munich.id, to_team_id=munich.id
        )


def test_failed_use_case_leaves_no_trace(dach):
    world, _, berlin, munich = dach
    world.member(berlin, "rep1")
    world.member(munich, "rep1")
    before = (dict(world.uow.memberships.rows), len(world.uow.emitted))
    with pytest.raises(AlreadyExists):
        memberships.move_member(
            world.deps, ADMIN, user_id="rep1", from_team_id=berlin.id, to_team_id=munich.id
        )
    assert len(world.uow.emitted) == before[1]
    assert all(m.ends_at is None for m in world.uow.memberships.rows.values())


def test_team_manager_manages_members_but_an_expert_does_not(dach):
    world, _, berlin, munich = dach
    world.member(berlin, "boss", role=TeamRole.MANAGER)
    world.member(berlin, "rep1")
    world.directory.put("rep2")
    memberships.add_member(
        world.deps, user("boss"), team_id=berlin.id, user_id="rep2", role=TeamRole.EXPERT
    )
    world.directory.put("rep3")
    with pytest.raises(PermissionDenied):
        memberships.add_member(
            world.deps, user("rep1"), team_id=berlin.id, user_id="rep3", role=TeamRole.EXPERT
        )
    with pytest.raises(PermissionDenied):  # a manager of Berlin is no manager of Munich
        memberships.add_member(
            world.deps, user("boss"), team_id=munich.id, user_id="rep3", role=TeamRole.EXPERT
        )


def test_update_pause_resume(dach):
    world, _, berlin, _ = dach
    m = world.member(berlin, "rep1")
    updated = memberships.update_membership(
        world.deps,
        ADMIN,
        membership_id=m.id,
        changes={"role": TeamRole.SUPERVISOR, "daily_capacity": 0},
    )
    assert updated.role is TeamRole.SUPERVISOR and updated.daily_capacity is None
    with pytest.raises(InvalidArgument) as err:
        memberships.update_membership(
            world.deps, ADMIN, membership_id=m.id, changes={"team_id": "x"}
        )
    assert "unknown: team_id" in err.value.message
    paused = memberships.set_paused(world.deps, user("rep1"), membership_id=m.id, paused=True)
    assert paused.paused
    assert world.uow.events("membership_changed")[-1].change == events_pb2.CHANGE_KIND_PAUSED
    world.member(berlin, "rep2")
    with pytest.raises(PermissionDenied):
        memberships.set_paused(world.deps, user("rep2"), membership_id=m.id, paused=False)
    memberships.set_paused(world.deps, ADMIN, membership_id=m.id, paused=False)
    assert world.uow.events("membership_changed")[-1].change == events_pb2.CHANGE_KIND_RESUMED


def test_list_memberships(dach):
    world, _, berlin, _munich = dach
    world.member(berlin, "rep1")
    m = world.member(berlin, "rep2")
    memberships.end_membership(world.deps, ADMIN, membership_id=m.id, reason="left")
    page = memberships.list_memberships(world.deps, ADMIN, team_id=berlin.id)
    assert [x.user_id for x in page.items] == ["rep1"]
    everyone = memberships.list_memberships(
        world.deps, ADMIN, team_id=berlin.id, include_ended=True
    )
    assert len(everyone.items) == 2
    with pytest.raises(InvalidArgument):
        memberships.list_memberships(world.deps, ADMIN)


def test_absences(dach):
    world, _, berlin, _ = dach
    world.member(berlin, "rep1")
    now = world.clock.now()
    a = absences.record_absence(
        world.deps,
        user("rep1"),
        user_id="rep1",
        starts_at=now,
        ends_at=now + dt.timedelta(days=5),
        reason="vacation",
    )
    assert [x.id for x in absences.list_absences(world.deps, ADMIN, user_id="rep1")] == [a.id]
    with pytest.raises(InvalidArgument) as err:
        absences.record_absence(
            world.deps, ADMIN, user_id="rep1", starts_at=now, ends_at=now - dt.timedelta(days=1)
        )
    assert "must be after start" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        absences.record_absence(
            world.deps, ADMIN, user_id="rep1", starts_at=now, ends_at=now + dt.timedelta(days=400)
        )
    assert "366 days" in err.value.message
    world.member(berlin, "rep2")
    with pytest.raises(PermissionDenied):
        absences.record_absence(
            world.deps,
            user("rep2"),
            user_id="rep1",
            starts_at=now,
            ends_at=now + dt.timedelta(days=1),
        )
    absences.cancel_absence(world.deps, user("rep1"), absence_id=a.id)
    assert world.uow.absences.get(a.id).cancelled


def test_list_teams_below_a_unit(dach):
    world, region, berlin, _munich = dach
    elsewhere = world.team("Oslo", world.unit("Nordics"))
    division_id = region.parent_id
    names = [t.name for t in teams.list_teams(world.deps, ADMIN, unit_id=division_id).items]
    assert names == ["Berlin", "Munich"]
    assert elsewhere.name in [t.name for t in teams.list_teams(world.deps, ADMIN).items]
    unchanged = teams.set_team_routing(world.deps, ADMIN, team_id=berlin.id, strategy=None)
    assert unchanged.version == 1


def test_people_names_cover_the_callers_scopes_only(dach):
    world, region, berlin, munich = dach
    world.member(berlin, "ana", name="Ana Alves")
    world.member(berlin, "ben", role=TeamRole.SUPERVISOR, name="Ben Berg")
    left = world.member(berlin, "cem", name="Cem Cakir")
    memberships.end_membership(world.deps, ADMIN, membership_id=left.id)
    world.member(munich, "dora", name="Dora Dietz")
    world.person("uma", name="Uma Ueda")
    org.assign_unit_manager(world.deps, ADMIN, unit_id=region.id, user_id="uma")
    asked = ["dora", "cem", "ana", "nobody", "ana", "ben"]

    def names(caller):
        people = memberships.list_people_names(world.deps, caller, user_ids=asked)
        return [(p.user_id, p.display_name) for p in people]

    # A supervisor of Berlin: Berlin's members, past ones too, in the order asked; not Munich's.
    assert names(user("ben")) == [("cem", "Cem Cakir"), ("ana", "Ana Alves"), ("ben", "Ben Berg")]
    # An expert of Munich sees Munich only (and themselves).
    assert names(user("dora")) == [("dora", "Dora Dietz")]
    # The unit's manager sees both teams below; an administrator may ask about anyone.
    assert [u for u, _ in names(user("uma"))] == ["dora", "cem", "ana", "ben"]
    assert [u for u, _ in names(ADMIN)] == ["dora", "cem", "ana", "ben"]
    # Someone in no team learns nothing, not even that the ids exist.
    assert names(user("stranger")) == []


def test_people_names_refuse_services_and_long_lists(dach):
    world, *_ = dach
    service = Caller("reports", kind="service", roles=frozenset({"admin"}))
    with pytest.raises(PermissionDenied) as err:
        memberships.list_people_names(world.deps, service, user_ids=["ana"])
    assert "service account" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        memberships.list_people_names(
            world.deps, user("ana"), user_ids=[f"u{i}" for i in range(501)]
        )
    assert "at most 500" in err.value.message
    assert memberships.list_people_names(world.deps, user("ana"), user_ids=[]) == []
