"""``crmctl teams ...``: the teams under the units and how each picks owners of new leads."""

from __future__ import annotations

import click

from crm.territory.v1 import teams_pb2
from crmctl.commands.territory.lookup import team_id, unit_id
from crmctl.commands.territory.rows import row, words
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_message, print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError

STRATEGIES = words(teams_pb2.RoutingStrategy)
TEAM_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("unit_id", "unit"),
    ("strategy", "strategy"),
    ("time_zone", "time zone"),
    ("active", "active"),
    ("version", "version"),
]


def _team_row(team) -> dict:
    return row(team, strategy=teams_pb2.RoutingStrategy)


def _print_team(session, team) -> None:
    print_record(session.output, _team_row(team), fields=TEAM_FIELDS)


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
    request = teams_pb2.ListTeamsRequest(
        unit_id=unit_id(session, unit) if unit else "", include_inactive=include_inactive
    )
    rows = [_team_row(t) for t in pages(session, Stubs(session).teams.ListTeams, request)]
    print_rows(session.output, rows, TEAM_FIELDS, empty="no teams")


@teams.command("show")
@click.argument("team")
@output_option
@pass_session
def show_team(session, team):
    """Show one team."""
    found = session.call(
        Stubs(session).teams.GetTeam, teams_pb2.GetTeamRequest(id=team_id(session, team))
    )
    _print_team(session, found.team)


@teams.command("create")
@click.argument("name")
@click.option("--unit", required=True, help="The unit (id or name).")
@click.option(
    "--strategy",
    type=click.Choice(sorted(STRATEGIES)),
    default="round-robin",
    show_default=True,
    help="How the team picks owners of new leads.",
)
@click.option("--time-zone", default="", help="IANA zone for daily capacities; default UTC.")
@output_option
@pass_session
def create_team(session, name, unit, strategy, time_zone):
    """Create a team under a unit."""
    created = session.call(
        Stubs(session).teams.CreateTeam,
        teams_pb2.CreateTeamRequest(
            name=name,
            unit_id=unit_id(session, unit),
            strategy=STRATEGIES[strategy],
            time_zone=time_zone,
        ),
    )
    _print_team(session, created.team)


@teams.command("rename")
@click.argument("team")
@click.argument("name")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def rename_team(session, team, name, expected_version):
    """Rename a team."""
    renamed = session.call(
        Stubs(session).teams.RenameTeam,
        teams_pb2.RenameTeamRequest(
            id=team_id(session, team), name=name, expected_version=expected_version
        ),
    )
    _print_team(session, renamed.team)


@teams.command("move")
@click.argument("team")
@click.option("--unit", required=True, help="The new unit (id or name).")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def move_team(session, team, unit, expected_version):
    """Move a team under another unit; managers above the old unit lose access at once."""
    moved = session.call(
        Stubs(session).teams.MoveTeam,
        teams_pb2.MoveTeamRequest(
            id=team_id(session, team),
            new_unit_id=unit_id(session, unit),
            expected_version=expected_version,
        ),
    )
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
    changed = session.call(
        Stubs(session).teams.SetTeamRouting,
        teams_pb2.SetTeamRoutingRequest(
            id=team_id(session, team), strategy=STRATEGIES.get(strategy, 0), time_zone=time_zone
        ),
    )
    _print_team(session, changed.team)


@teams.command("deactivate")
@click.argument("team")
@output_option
@pass_session
def deactivate_team(session, team):
    """Deactivate a team (refused, naming what blocks it, while it has members or territories)."""
    result = session.call(
        Stubs(session).teams.DeactivateTeam,
        teams_pb2.DeactivateTeamRequest(id=team_id(session, team)),
    )
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
