import pytest

from crm.territory.v1 import events_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from crm_territory.service_layer import org

from .conftest import ADMIN, rule, user


def test_three_levels_with_configurable_names(world):
    org.set_level_names(world.deps, ADMIN, names=["Division", "Region", "District"])
    div = world.unit("EMEA")
    reg = world.unit("DACH", div)
    dist = world.unit("Berlin", reg)
    assert (div.level, reg.level, dist.level) == (1, 2, 3)
    assert reg.department == "sales"
    event = world.uow.events("org_unit_changed")[-1]
    assert event.unit.level_name == "District" and event.change == events_pb2.CHANGE_KIND_CREATED
    assert world.uow.events("org_settings_changed")[0].settings.level_names == [
        "Division",
        "Region",
        "District",
    ]
    with pytest.raises(FailedPrecondition) as err:
        world.unit("Mitte", dist)
    assert "lowest level" in err.value.message


@pytest.mark.parametrize(
    "names,needle",
    [
        (["a", "b"], "exactly 3"),
        (["a", "b", "A"], "must differ"),
        (["a", " ", "c"], "empty"),
    ],
)
def test_bad_level_names(world, names, needle):
    with pytest.raises(InvalidArgument) as err:
        org.set_level_names(world.deps, ADMIN, names=names)
    assert needle in err.value.message


def test_unit_input_errors(world):
    with pytest.raises(InvalidArgument) as err:
        world.unit("X", department="finance")
    assert "department must be one of" in err.value.message
    with pytest.raises(InvalidArgument):
        world.unit("  ")
    with pytest.raises(NotFound):
        org.create_unit(world.deps, ADMIN, name="X", parent_id="nope")
    world.unit("EMEA")
    with pytest.raises(AlreadyExists):
        world.unit("emea")
    with pytest.raises(PermissionDenied) as err:
        org.create_unit(world.deps, user("u1"), name="Y", department="sales")
    assert "admin role" in err.value.message


def test_sub_unit_inherits_department_and_refuses_another(world):
    div = world.unit("EMEA")
    with pytest.raises(InvalidArgument) as err:
        org.create_unit(world.deps, ADMIN, name="R", parent_id=div.id, department="marketing")
    assert "inherits its parent's department" in err.value.message


def test_move_refuses_cycles_with_a_clear_message(world):
    a = world.unit("A")
    b = world.unit("B", a)
    c = world.unit("C", b)
    with pytest.raises(InvalidArgument) as err:
        org.move_unit(world.deps, ADMIN, unit_id=a.id, new_parent_id=c.id)
    assert "would make a cycle" in err.value.message and "'C' is inside 'A'" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        org.move_unit(world.deps, ADMIN, unit_id=a.id, new_parent_id=a.id)
    assert "its own parent" in err.value.message


def test_move_refuses_more_than_three_levels_and_other_departments(world):
    a, x = world.unit("A"), world.unit("X")
    b = world.unit("B", a)
    world.unit("C", b)
    with pytest.raises(FailedPrecondition) as err:
        org.move_unit(world.deps, ADMIN, unit_id=b.id, new_parent_id=world.unit("Y", x).id)
    assert "3 levels" in err.value.message
    m = world.unit("M", department="marketing")
    with pytest.raises(FailedPrecondition) as err:
        org.move_unit(world.deps, ADMIN, unit_id=b.id, new_parent_id=m.id)
    assert "belongs to sales" in err.value.message


def test_move_shifts_the_subtree_levels_and_publishes(world):
    a, x = world.unit("A"), world.unit("X")
    b = world.unit("B", a)
    c = world.unit("C", b)
    moved = org.move_unit(world.deps, ADMIN, unit_id=b.id, new_parent_id="")
    assert moved.level == 1 and world.uow.units.get(c.id).level == 2
    event = world.uow.events("org_unit_changed")[-1]
    assert event.change == events_pb2.CHANGE_KIND_MOVED and event.previous_parent_id == a.id
    org.move_unit(world.deps, ADMIN, unit_id=b.id, new_parent_id=x.id)
    assert world.uow.units.get(c.id).level == 3


def test_stale_version_is_refused(world):
    a = world.unit("A")
    org.rename_unit(world.deps, ADMIN, unit_id=a.id, name="A2")
    with pytest.raises(FailedPrecondition) as err:
        org.rename_unit(world.deps, ADMIN, unit_id=a.id, name="A3", expected_version=1)
    assert "changed meanwhile" in err.value.message


def test_delete_and_deactivate_name_what_blocks_them(world):
    div = world.unit("EMEA")
    reg = world.unit("DACH", div)
    team = world.team("Berlin Reps", reg)
    world.member(team, "rep1")
    line = world.line("SMB", team)
    world.territory("DE", line, team, 1, rule("DE", country=["DE"]))
    with pytest.raises(FailedPrecondition) as err:
        org.delete_unit(world.deps, ADMIN, unit_id=div.id)
    assert "child unit(s): 'DACH'" in err.value.message
    with pytest.raises(FailedPrecondition) as err:
        org.delete_unit(world.deps, ADMIN, unit_id=reg.id)
    assert "team 'Berlin Reps' (1 active member(s); open territories 'DE')" in err.value.message
    assert err.value.details["blocked_by"]
    with pytest.raises(FailedPrecondition) as err:
        org.deactivate_unit(world.deps, ADMIN, unit_id=reg.id)
    assert "cannot be deactivated" in err.value.message and "1 active member" in err.value.message
    empty = world.unit("Empty", div)
    org.deactivate_unit(world.deps, ADMIN, unit_id=empty.id)
    org.delete_unit(world.deps, ADMIN, unit_id=empty.id)
    assert world.uow.units.get(empty.id) is None
    assert world.uow.events("org_unit_changed")[-1].change == events_pb2.CHANGE_KIND_DELETED


def test_deactivated_parent_refuses_children(world):
    a = world.unit("A")
    org.deactivate_unit(world.deps, ADMIN, unit_id=a.id)
    with pytest.raises(FailedPrecondition):
        world.unit("B", a)


def test_list_units_pages_with_a_cursor(world):
    for name in "EDCBA":
        world.unit(name)
    first = org.list_units(world.deps, ADMIN, page_size=2)
    assert [u.name for u in first.items] == ["A", "B"] and first.next_cursor
    second = org.list_units(world.deps, ADMIN, page_size=2, cursor=first.next_cursor)
    third = org.list_units(world.deps, ADMIN, page_size=2, cursor=second.next_cursor)
    assert [u.name for u in second.items + third.items] == ["C", "D", "E"]
    assert third.next_cursor == ""
    with pytest.raises(InvalidArgument):
        org.list_units(world.deps, ADMIN, cursor="garbage!")
    with pytest.raises(InvalidArgument):
        org.list_units(world.deps, ADMIN, page_size=501)


def test_unit_managers_need_a_known_active_person_in_a_department(world):
    a = world.unit("A")
    with pytest.raises(NotFound) as err:
        org.assign_unit_manager(world.deps, ADMIN, unit_id=a.id, user_id="ghost")
    assert "not known to identity" in err.value.message
    world.directory.put("nodept", departments=())
    with pytest.raises(FailedPrecondition) as err:
        org.assign_unit_manager(world.deps, ADMIN, unit_id=a.id, user_id="nodept")
    assert "no department" in err.value.message
    world.directory.put("boss")
    org.assign_unit_manager(world.deps, ADMIN, unit_id=a.id, user_id="boss")
    assert world.uow.units.get(a.id).manager_user_ids == {"boss"}
    with pytest.raises(FailedPrecondition):
        org.remove_unit_manager(world.deps, ADMIN, unit_id=a.id, user_id="someone-else")


def test_unassigned_queue_team(world):
    team = world.team("Inbox", world.unit("A"))
    settings = org.set_unassigned_queue(world.deps, ADMIN, team_id=team.id)
    assert settings.unassigned_queue_team_id == team.id
    with pytest.raises(NotFound):
        org.set_unassigned_queue(world.deps, ADMIN, team_id="nope")
