"""``crmctl org ...``: the organisation's units, their managers and the organisation's
settings."""

from __future__ import annotations

import click

from crm.territory.v1 import org_pb2, teams_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import team_id, unit_id
from crmctl.commands.territory.rows import row
from crmctl.commands.territory.snapshots import snapshots
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_message, print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError

UNIT_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("level", "level"),
    ("level_name", "level name"),
    ("department", "department"),
    ("parent_id", "parent"),
    ("manager_user_ids", "managers"),
    ("active", "active"),
    ("version", "version"),
]


def _team_row(team) -> dict:
    return row(team, strategy=teams_pb2.RoutingStrategy)


def _print_unit(session, unit) -> None:
    print_record(session.output, message_to_dict(unit), fields=UNIT_FIELDS)


@click.group()
def org() -> None:
    """The sales organisation: three levels of units under the departments (changes need the
    admin role)."""


@org.command("tree")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated units/teams.")
@output_option
@pass_session
def tree(session, include_inactive):
    """The units as a tree, with their teams."""
    stubs = Stubs(session)
    units = list(
        pages(
            session,
            stubs.org.ListOrgUnits,
            org_pb2.ListOrgUnitsRequest(include_inactive=include_inactive),
        )
    )
    teams = list(
        pages(
            session,
            stubs.teams.ListTeams,
            teams_pb2.ListTeamsRequest(include_inactive=include_inactive),
        )
    )
    children: dict[str, list] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    teams_of: dict[str, list] = {}
    for team in teams:
        teams_of.setdefault(team.unit_id, []).append(team)

    def node(unit) -> dict:
        return dict(
            message_to_dict(unit),
            teams=[_team_row(t) for t in teams_of.get(unit.id, [])],
            children=[node(c) for c in children.get(unit.id, [])],
        )

    roots = [node(u) for u in children.get("", [])]
    if session.output != "table":
        print_record(session.output, {"units": roots})
        return
    if not roots:
        click.echo("no units yet: create one with `crmctl org create NAME --department sales`")
        return

    def show(item: dict, depth: int) -> None:
        flags = "" if item["active"] else " [deactivated]"
        managers = (
            f" managers: {', '.join(item['manager_user_ids'])}" if item["manager_user_ids"] else ""
        )
        click.echo(
            f"{'  ' * depth}{item['name']} ({item['level_name']}, {item['department']})"
            f"{flags} {item['id']}{managers}"
        )
        for team in item["teams"]:
            off = "" if team["active"] else " [deactivated]"
            click.echo(f"{'  ' * (depth + 1)}- team {team['name']}{off} {team['id']}")
        for child in item["children"]:
            show(child, depth + 1)

    for root in roots:
        show(root, 0)


@org.command("show")
@click.argument("unit")
@output_option
@pass_session
def show_unit(session, unit):
    """Show one unit."""
    found = session.call(
        Stubs(session).org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=unit_id(session, unit))
    )
    _print_unit(session, found.unit)


@org.command("create")
@click.argument("name")
@click.option("--parent", default="", help="Parent unit (id or name); none = a top-level unit.")
@click.option(
    "--department",
    "-d",
    default="",
    help="Department of a top-level unit: management, sales, marketing, after_sales_service.",
)
@output_option
@pass_session
def create_unit(session, name, parent, department):
    """Create a unit (top level under a department, or one level below --parent)."""
    created = session.call(
        Stubs(session).org.CreateOrgUnit,
        org_pb2.CreateOrgUnitRequest(
            name=name, parent_id=unit_id(session, parent) if parent else "", department=department
        ),
    )
    _print_unit(session, created.unit)


@org.command("rename")
@click.argument("unit")
@click.argument("name")
@click.option(
    "--expected-version", type=int, default=0, help="Refuse unless the unit is at this version."
)
@output_option
@pass_session
def rename_unit(session, unit, name, expected_version):
    """Rename a unit."""
    renamed = session.call(
        Stubs(session).org.RenameOrgUnit,
        org_pb2.RenameOrgUnitRequest(
            id=unit_id(session, unit), name=name, expected_version=expected_version
        ),
    )
    _print_unit(session, renamed.unit)


@org.command("move")
@click.argument("unit")
@click.option("--parent", default="", help="New parent unit (id or name).")
@click.option("--top", is_flag=True, help="Make it a top-level unit.")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def move_unit(session, unit, parent, top, expected_version):
    """Move a unit, with everything below it, under another parent (or to the top)."""
    if bool(parent) == top:
        raise CliError("give either --parent UNIT or --top")
    moved = session.call(
        Stubs(session).org.MoveOrgUnit,
        org_pb2.MoveOrgUnitRequest(
            id=unit_id(session, unit),
            new_parent_id=unit_id(session, parent) if parent else "",
            expected_version=expected_version,
        ),
    )
    _print_unit(session, moved.unit)


@org.command("deactivate")
@click.argument("unit")
@output_option
@pass_session
def deactivate_unit(session, unit):
    """Deactivate a unit (refused, naming what blocks it, while it has active content)."""
    result = session.call(
        Stubs(session).org.DeactivateOrgUnit,
        org_pb2.DeactivateOrgUnitRequest(id=unit_id(session, unit)),
    )
    _print_unit(session, result.unit)


@org.command("delete")
@click.argument("unit")
@output_option
@pass_session
def delete_unit(session, unit):
    """Delete an empty unit (refused, naming what blocks it, while it has units or teams)."""
    ident = unit_id(session, unit)
    session.call(Stubs(session).org.DeleteOrgUnit, org_pb2.DeleteOrgUnitRequest(id=ident))
    print_message(session.output, f"unit {unit} deleted", unit_id=ident, deleted=True)


@org.group("managers")
def managers() -> None:
    """Unit managers: they act as manager of every team below their unit."""


@managers.command("list")
@click.argument("unit")
@output_option
@pass_session
def list_managers(session, unit):
    """The managers of a unit."""
    found = session.call(
        Stubs(session).org.GetOrgUnit, org_pb2.GetOrgUnitRequest(id=unit_id(session, unit))
    ).unit
    print_rows(
        session.output,
        [{"user_id": m} for m in found.manager_user_ids],
        [("user_id", "manager")],
        empty=f"unit {found.name} has no managers",
    )


def _change_managers(session, rpc: str, request_type, unit: str, user: str) -> None:
    """Assign or remove USER as a manager of UNIT, then show the unit."""
    request = request_type(unit_id=unit_id(session, unit), user_id=user_id(session, user))
    _print_unit(session, session.call(getattr(Stubs(session).org, rpc), request).unit)


@managers.command("add")
@click.argument("unit")
@click.argument("user")
@output_option
@pass_session
def add_manager(session, unit, user):
    """Make USER (id or e-mail) a manager of UNIT."""
    _change_managers(session, "AssignUnitManager", org_pb2.AssignUnitManagerRequest, unit, user)


@managers.command("remove")
@click.argument("unit")
@click.argument("user")
@output_option
@pass_session
def remove_manager(session, unit, user):
    """End USER's management of UNIT; their access below it ends at once."""
    _change_managers(session, "RemoveUnitManager", org_pb2.RemoveUnitManagerRequest, unit, user)


@org.command("settings")
@click.option(
    "--levels", default="", metavar="A,B,C", help="New names of the three levels, top first."
)
@click.option("--queue-team", default="", help="Team (id or name) owning the unassigned queue.")
@output_option
@pass_session
def settings(session, levels, queue_team):
    """Show the organisation settings, or change the level names / the queue team."""
    stubs = Stubs(session)
    if levels:
        session.call(
            stubs.org.SetLevelNames,
            org_pb2.SetLevelNamesRequest(level_names=[n.strip() for n in levels.split(",")]),
        )
    if queue_team:
        session.call(
            stubs.org.SetUnassignedQueue,
            org_pb2.SetUnassignedQueueRequest(team_id=team_id(session, queue_team)),
        )
    current = session.call(stubs.org.GetOrgSettings, org_pb2.GetOrgSettingsRequest()).settings
    print_record(session.output, message_to_dict(current))


# The backfill of a new consumer (snapshots.py).
org.add_command(snapshots)
