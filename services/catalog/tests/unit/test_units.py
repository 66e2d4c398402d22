"""Unit groups: definitions in other units, conversions, removal rules."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.domain.units import UnitGroup
from crm_catalog.service_layer import unit_groups
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def bottles() -> UnitGroup:
    group = UnitGroup.create(id="g1", name=" Bottles ", base_unit="bottle", now=NOW)
    group.add_unit("6-pack", "6", "bottle", NOW)
    group.add_unit("case", "4", "6-pack", NOW)
    return group


def test_units_are_defined_in_other_units_and_convert_exactly():
    group = bottles()
    assert group.name == "Bottles"
    assert group.unit("CASE").base_quantity == 24
    assert group.conversion("case", "bottle") == 24
    assert group.conversion("6-pack", "case") == Decimal(1) / Decimal(4)
    assert abs(group.conversion("bottle", "6-pack") * 6 - 1) < Decimal("1e-30")  # 1/6, 34 digits
    assert group.describe("case") == "1 case = 24 bottle"
    assert group.describe("bottle") == "1 bottle (base unit)"
    assert group.version == 3


def test_fractional_units():
    group = UnitGroup.create(id="g", name="Volume", base_unit="litre", now=NOW)
    group.add_unit("75cl bottle", "0.75", "litre", NOW)
    assert group.conversion("75cl bottle", "litre") == Decimal("0.75")


@pytest.mark.parametrize(
    "name, quantity, of_unit, error, message",
    [
        ("6-PACK", "6", "bottle", AlreadyExists, "already has a unit '6-PACK'"),
        ("crate", "0", "bottle", InvalidArgument, "greater than 0"),
        ("crate", "-2", "bottle", InvalidArgument, "greater than 0"),
        ("crate", "abc", "bottle", InvalidArgument, "not a plain decimal"),
        ("crate", "2", "barrel", InvalidArgument, "unit 'barrel' is not in unit group 'Bottles'"),
        ("", "2", "bottle", InvalidArgument, "name is required"),
    ],
)
def test_bad_units_are_refused(name, quantity, of_unit, error, message):
    with pytest.raises(error, match=message):
        bottles().add_unit(name, quantity, of_unit, NOW)


def test_removal_rules():
    group = bottles()
    with pytest.raises(FailedPrecondition, match="base unit"):
        group.remove_unit("bottle", NOW)
    with pytest.raises(FailedPrecondition, match="case are defined in it"):
        group.remove_unit("6-pack", NOW)
    with pytest.raises(NotFound):
        group.remove_unit("crate", NOW)
    group.remove_unit("case", NOW)
    group.remove_unit("6-pack", NOW)
    assert list(group.units) == ["bottle"]


# ------------------------------------------------------------------ use cases
def test_create_and_change_emit_events(uow, deps, manager, clock):
    group = unit_groups.create_unit_group(deps, manager, name="Bottles", base_unit="bottle")
    unit_groups.add_unit(
        deps, manager, unit_group_id=group.id, name="case", quantity="12", of_unit="bottle"
    )
    renamed = unit_groups.rename_unit_group(
        deps, manager, id=group.id, name="Wine bottles", expected_version=2
    )
    assert renamed.version == 3
    assert uow.emitted_types() == ["unit_group_changed"] * 3
    event = uow.emitted[-1][1]
    assert event.unit_group.name == "Wine bottles"
    assert list(event.changed_fields) == ["name"]
    assert event.meta.aggregate_version == 3
    assert event.meta.actor.id == manager.subject_id
    assert [u.base_quantity for u in event.unit_group.units] == ["1", "12"]


def test_unchanged_rename_is_a_no_op(uow, deps, manager, clock, build):
    group = build.bottles()
    before = len(uow.emitted)
    same = unit_groups.rename_unit_group(deps, manager, id=group.id, name="Bottles")
    assert same.version == group.version and len(uow.emitted) == before


def test_stale_version_is_refused(deps, manager, clock, build):
    group = build.bottles()
    with pytest.raises(FailedPrecondition, match="at version 3, not 2"):
        unit_groups.rename_unit_group(deps, manager, id=group.id, name="X", expected_version=2)


def test_unknown_group(deps, manager, sales_rep, clock):
    with pytest.raises(NotFound, match="no unit group with id 'nope'"):
        unit_groups.get_unit_group(deps, sales_rep, "nope")
    with pytest.raises(NotFound) as caught:
        unit_groups.add_unit(
            deps, manager, unit_group_id="nope", name="x", quantity="1", of_unit="y"
        )
    assert caught.value.field == "unit_group_id"


def test_a_unit_in_use_cannot_be_removed(deps, manager, clock, build):
    group = build.bottles()
    wine = build.product(group, default_unit="6-pack")
    with pytest.raises(FailedPrecondition, match="default unit of WINE-RED"):
        unit_groups.remove_unit(deps, manager, unit_group_id=group.id, name="6-pack")
    unit_groups.add_unit(
        deps, manager, unit_group_id=group.id, name="crate", quantity="12", of_unit="bottle"
    )
    build.item(build.price_list("Standard"), wine, unit="crate")
    with pytest.raises(FailedPrecondition, match="priced in price lists Standard"):
        unit_groups.remove_unit(deps, manager, unit_group_id=group.id, name="CRATE")
    after = unit_groups.remove_unit(deps, manager, unit_group_id=group.id, name="case")
    assert after.unit("case") is None


def test_only_catalog_managers_change_unit_groups(deps, pricer, sales_rep, admin, deals_service):
    for caller in (pricer, sales_rep, admin, deals_service):
        with pytest.raises(PermissionDenied, match="'catalog_manager' role"):
            unit_groups.create_unit_group(deps, caller, name="x", base_unit="y")


def test_list_pages_by_name(deps, manager, sales_rep, clock):
    for name in ("Weight", "bottles", "Length", "Area"):
        unit_groups.create_unit_group(deps, manager, name=name, base_unit="u")
    first = unit_groups.list_unit_groups(deps, sales_rep, page_size=3)
    assert [g.name for g in first.items] == ["Area", "bottles", "Length"]
    second = unit_groups.list_unit_groups(deps, sales_rep, page_size=3, cursor=first.next_cursor)
    assert [g.name for g in second.items] == ["Weight"] and second.next_cursor == ""
    assert [g.name for g in unit_groups.list_unit_groups(deps, sales_rep, query="GTH").items] == [
        "Length"
    ]
    with pytest.raises(InvalidArgument, match="page_size must be 1..500"):
        unit_groups.list_unit_groups(deps, sales_rep, page_size=501)
    with pytest.raises(InvalidArgument, match="not a cursor this service issued"):
        unit_groups.list_unit_groups(deps, sales_rep, cursor="garbage!")
