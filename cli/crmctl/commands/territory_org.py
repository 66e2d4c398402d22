"""``crmctl org ...`` (the organisation's units and their managers) and ``crmctl teams ...``."""
from __future__ import annotations

import click

from crm.territory.v1 import org_pb2, teams_pb2
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.territory import STRATEGIES, Stubs, all_pages, row, team_id, unit_id, user_id
from crmctl.output import message_to_dict, print_message, print_record, print_rows
from crmctl.session import CliError

UNIT_FIELDS = [("id", "id"), ("name", "name"), ("level", "level"), ("level_name", "level name"),
               ("department", "department"), ("parent_id", "parent"),
               ("manager_user_ids", "managers"), ("active", "active"), ("version", "version")]
TEAM_FIELDS = [("id", "id"), ("name", "name"), ("unit_id", "unit"), ("strategy", "strategy"),
               ("time_zone", "time zone"), ("active", "active"), ("version", "version")]


def _team_row(team) -> dict:
    return row(team, strategy="ROUTING_STRATEGY_")


def _print_unit(session, unit) -> None:
    print_record(session.output, message_to_dict(unit), fields=UNIT_FIELDS)


def _print_team(session, team) -> None:
    print_record(session.output, _team_row(team), fields=TEAM_FIELDS)


# ---------------------------------------------------------------------------- org
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
    units = list(all_pages(session, stubs.org.ListOrgUnits,
                           org_pb2.ListOrgUnitsRequest(include_inactive=include_inactive)))
    teams = list(all_pages(session, stubs.teams.ListTeams,
                           teams_pb2.ListTeamsRequest(include_inactive=include_inactive)))
    children: dict[str, list] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    teams_of: dict[str, list] = {}
    for team in teams:
        teams_of.setdefault(team.unit_id, []).append(team)

    def node(unit) -> dict:
        return dict(message_to_dict(unit), teams=[_team_row(t) for t in teams_of.get(unit.id, [])],
                    children=[node(c) for c in children.get(unit.id, [])])

    roots = [node(u) for u in children.get("", [])]
    if session.output != "table":
        print_record(session.output, {"units": roots})
        return
    if not roots:
        click.echo("no units yet: create one with `crmctl org create NAME --department sales`")
        return

    def show(item: dict, depth: int) -> None:
        flags = "" if item["active"] else " [deactivated]"
        managers = f" managers: {', '.join(item['manager_user_ids'])}" \
            if item["manager_user_ids"] else ""
        click.echo(f"{'  ' * depth}{item['name']} ({item['level_name']}, {item['department']})"
                   f"{flags} {item['id']}{managers}")
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
    found = session.call(Stubs(session).org.GetOrgUnit,
                         org_pb2.GetOrgUnitRequest(id=unit_id(session, unit)))
    _print_unit(session, found.unit)


@org.command("create")
@click.argument("name")
@click.option("--parent", default="", help="Parent unit (id or name); none = a top-level unit.")
@click.option("--department", "-d", default="",
              help="Department of a top-level unit: management, sales, marketing, "
                   "after_sales_service.")
@output_option
@pass_session
def create_unit(session, name, parent, department):
    """Create a unit (top level under a department, or one level below --parent)."""
    created = session.call(Stubs(session).org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(
        name=name, parent_id=unit_id(session, parent) if parent else "", department=department))
    _print_unit(session, created.unit)


@org.command("rename")
@click.argument("unit")
@click.argument("name")
@click.option("--expected-version", type=int, default=0,
              help="Refuse unless the unit is at this version.")
@output_option
@pass_session
def rename_unit(session, unit, name, expected_version):
    """Rename a unit."""
    renamed = session.call(Stubs(session).org.RenameOrgUnit, org_pb2.RenameOrgUnitRequest(
        id=unit_id(session, unit), name=name, expected_version=expected_version))
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
    moved = session.call(Stubs(session).org.MoveOrgUnit, org_pb2.MoveOrgUnitRequest(
        id=unit_id(session, unit), new_parent_id=unit_id(session, parent) if parent else "",
        expected_version=expected_version))
    _print_unit(session, moved.unit)


@org.command("deactivate")
@click.argument("unit")
@output_option
@pass_session
def deactivate_unit(session, unit):
    """Deactivate a unit (refused, naming what blocks it, while it has active content)."""
    result = session.call(Stubs(session).org.DeactivateOrgUnit,
                          org_pb2.DeactivateOrgUnitRequest(id=unit_id(session, unit)))
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
    found = session.call(Stubs(session).org.GetOrgUnit,
                         org_pb2.GetOrgUnitRequest(id=unit_id(session, unit))).unit
    print_rows(session.output, [{"user_id": m} for m in found.manager_user_ids],
               [("user_id", "manager")], empty=f"unit {found.name} has no managers")


@managers.command("add")
@click.argument("unit")
@click.argument("user")
@output_option
@pass_session
def add_manager(session, unit, user):
    """Make USER (id or e-mail) a manager of UNIT."""
    result = session.call(Stubs(session).org.AssignUnitManager, org_pb2.AssignUnitManagerRequest(
        unit_id=unit_id(session, unit), user_id=user_id(session, user)))
    _print_unit(session, result.unit)


@managers.command("remove")
@click.argument("unit")
@click.argument("user")
@output_option
@pass_session
def remove_manager(session, unit, user):
    """End USER's management of UNIT; their access below it ends at once."""
    result = session.call(Stubs(session).org.RemoveUnitManager, org_pb2.RemoveUnitManagerRequest(
        unit_id=unit_id(session, unit), user_id=user_id(session, user)))
    _print_unit(session, result.unit)


@org.command("settings")
@click.option("--levels", default="", metavar="A,B,C",
              help="New names of the three levels, top first.")
@click.option("--queue-team", default="", help="Team (id or name) owning the unassigned queue.")
@output_option
@pass_session
def settings(session, levels, queue_team):
    """Show the organisation settings, or change the level names / the queue team."""
    stubs = Stubs(session)
    if levels:
        session.call(stubs.org.SetLevelNames, org_pb2.SetLevelNamesRequest(
            level_names=[n.strip() for n in levels.split(",")]))
    if queue_team:
        session.call(stubs.org.SetUnassignedQueue, org_pb2.SetUnassignedQueueRequest(
            team_id=team_id(session, queue_team)))
    current = session.call(stubs.org.GetOrgSettings, org_pb2.GetOrgSettingsRequest()).settings
    print_record(session.output, message_to_dict(current))


# ---------------------------------------------------------------------------- teams
@click.group()
def teams() -> None:
    """Teams under the units (changes need the admin role)."""


@teams.command("list")
@click.option("--unit", default="", help="Only teams anywhere below this unit (id or name).")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated teams.")
@output_option
@pass_session
def list_teams(session, unit, include_inactive):
    """List teams ordered by name."""
    request = teams_pb2.ListTeamsRequest(unit_id=unit_id(session, unit) if unit else "",
                                         include_inactive=include_inactive)
    rows = [_team_row(t) for t in all_pages(session, Stubs(session).teams.ListTeams, request)]
    print_rows(session.output, rows, TEAM_FIELDS, empty="no teams")


@teams.command("show")
@click.argument("team")
@output_option
@pass_session
def show_team(session, team):
    """Show one team."""
    found = session.call(Stubs(session).teams.GetTeam,
                         teams_pb2.GetTeamRequest(id=team_id(session, team)))
    _print_team(session, found.team)


@teams.command("create")
@click.argument("name")
@click.option("--unit", required=True, help="The unit (id or name).")
@click.option("--strategy", type=click.Choice(sorted(STRATEGIES)), default="round-robin",
              show_default=True, help="How the team picks owners of new leads.")
@click.option("--time-zone", default="", help="IANA zone for daily capacities; default UTC.")
@output_option
@pass_session
def create_team(session, name, unit, strategy, time_zone):
    """Create a team under a unit."""
    created = session.call(Stubs(session).teams.CreateTeam, teams_pb2.CreateTeamRequest(
        name=name, unit_id=unit_id(session, unit), strategy=STRATEGIES[strategy],
        time_zone=time_zone))
    _print_team(session, created.team)


@teams.command("rename")
@click.argument("team")
@click.argument("name")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def rename_team(session, team, name, expected_version):
    """Rename a team."""
    renamed = session.call(Stubs(session).teams.RenameTeam, teams_pb2.RenameTeamRequest(
        id=team_id(session, team), name=name, expected_version=expected_version))
    _print_team(session, renamed.team)


@teams.command("move")
@click.argument("team")
@click.option("--unit", required=True, help="The new unit (id or name).")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def move_team(session, team, unit, expected_version):
    """Move a team under another unit; managers above the old unit lose access at once."""
    moved = session.call(Stubs(session).teams.MoveTeam, teams_pb2.MoveTeamRequest(
        id=team_id(session, team), new_unit_id=unit_id(session, unit),
        expected_version=expected_version))
    _print_team(session, moved.team)


@teams.command("routing")
@click.argument("team")
@click.option("--strategy", type=click.Choice(sorted(STRATEGIES)), default=None)
@click.option("--time-zone", default="", help="IANA zone, e.g. Europe/Berlin.")
@output_option
@pass_session
def team_routing(session, team, strategy, time_zone):
    """Set how a team picks owners and the time zone of its daily capacities."""
    if not strategy and not time_zone:
        raise CliError("nothing to change: give --strategy or --time-zone")
    changed = session.call(Stubs(session).teams.SetTeamRouting, teams_pb2.SetTeamRoutingRequest(
        id=team_id(session, team), strategy=STRATEGIES.get(strategy, 0), time_zone=time_zone))
    _print_team(session, changed.team)


@teams.command("deactivate")
@click.argument("team")
@output_option
@pass_session
def deactivate_team(session, team):
    """Deactivate a team (refused, naming what blocks it, while it has members or territories)."""
    result = session.call(Stubs(session).teams.DeactivateTeam,
                          teams_pb2.DeactivateTeamRequest(id=team_id(session, team)))
    _print_team(session, result.team)


@teams.command("delete")
@click.argument("team")
@output_option
@pass_session
def delete_team(session, team):
    """Delete a team that never had records (otherwise deactivate it)."""
    ident = team_id(session, team)
    session.call(Stubs(session).teams.DeleteTeam, teams_pb2.DeleteTeamRequest(id=ident))
    print_message(session.output, f"team {team} deleted", team_id=ident, deleted=True)


COMMANDS = [org, teams]
