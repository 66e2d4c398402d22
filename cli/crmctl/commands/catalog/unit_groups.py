"""``crmctl unit-groups ...``: a base unit and the units defined in each other (changes:
catalog_manager)."""

from __future__ import annotations

import click

from crm.catalog.v1 import units_pb2
from crmctl.commands.catalog.lookup import unit_group_id
from crmctl.commands.catalog.rows import unit_group_row
from crmctl.commands.catalog.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages

UNIT_GROUP_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("base_unit", "base unit"),
    ("units", "units"),
    ("version", "version"),
]


@click.group("unit-groups")
def unit_groups() -> None:
    """Unit groups: a base unit and units defined in each other (case = 4 6-pack)."""


@unit_groups.command("create")
@click.argument("name")
@click.option("--base-unit", "-b", required=True, help="The group's base unit, e.g. bottle.")
@output_option
@pass_session
def unit_groups_create(session, name, base_unit):
    """Create a unit group NAME."""
    group = session.call(
        Stubs(session).units.CreateUnitGroup,
        units_pb2.CreateUnitGroupRequest(name=name, base_unit=base_unit),
    )
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@unit_groups.command("add")
@click.argument("group")
@click.argument("name")
@click.argument("quantity")
@click.argument("of_unit")
@click.option("--expected-version", type=int, default=0, help="Refuse if the group changed.")
@output_option
@pass_session
def unit_groups_add(session, group, name, quantity, of_unit, expected_version):
    """Add unit NAME = QUANTITY OF_UNIT to GROUP_ID (e.g. case 4 6-pack)."""
    group = session.call(
        Stubs(session).units.AddUnit,
        units_pb2.AddUnitRequest(
            unit_group_id=unit_group_id(session, group),
            name=name,
            quantity=quantity,
            of_unit=of_unit,
            expected_version=expected_version,
        ),
    )
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@unit_groups.command("remove")
@click.argument("group")
@click.argument("name")
@output_option
@pass_session
def unit_groups_remove(session, group, name):
    """Remove unit NAME from GROUP_ID (refused while anything uses it)."""
    group = session.call(
        Stubs(session).units.RemoveUnit,
        units_pb2.RemoveUnitRequest(unit_group_id=unit_group_id(session, group), name=name),
    )
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@unit_groups.command("list")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def unit_groups_list(session, query):
    """List unit groups by name."""
    rows = [
        unit_group_row(g)
        for g in pages(
            session,
            Stubs(session).units.ListUnitGroups,
            units_pb2.ListUnitGroupsRequest(query=query),
        )
    ]
    print_rows(session.output, rows, UNIT_GROUP_FIELDS, empty="no unit groups")


@unit_groups.command("show")
@click.argument("group")
@output_option
@pass_session
def unit_groups_show(session, group):
    """Show one unit group."""
    group = session.call(
        Stubs(session).units.GetUnitGroup,
        units_pb2.GetUnitGroupRequest(id=unit_group_id(session, group)),
    ).unit_group
    print_record(session.output, unit_group_row(group), fields=UNIT_GROUP_FIELDS)
