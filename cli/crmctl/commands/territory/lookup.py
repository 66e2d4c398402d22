"""UNIT, TEAM, LINE and TERRITORY arguments are an id or an exact name (case-insensitive; a name
that several records share must be given as an id)."""

from __future__ import annotations

from crm.territory.v1 import org_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crmctl.commands.territory.stubs import Stubs
from crmctl.lookup import name_resolver


def _by_name(what: str, rpc: str, request_type, listed_by: str):
    stub, method = rpc.split(".")
    return name_resolver(
        what,
        lambda session: getattr(getattr(Stubs(session), stub), method),
        # Deactivated ones too: the list commands show them (--all), so a person may name one.
        lambda _value: request_type(include_inactive=True),
        listed_by=listed_by,
    )


unit_id = _by_name("unit", "org.ListOrgUnits", org_pb2.ListOrgUnitsRequest, "crmctl org tree")
team_id = _by_name("team", "teams.ListTeams", teams_pb2.ListTeamsRequest, "crmctl teams list")
line_id = _by_name(
    "sales line", "lines.ListSalesLines", sales_lines_pb2.ListSalesLinesRequest, "crmctl lines list"
)
territory_id = _by_name(
    "territory",
    "territories.ListTerritories",
    territories_pb2.ListTerritoriesRequest,
    "crmctl territories list",
)
