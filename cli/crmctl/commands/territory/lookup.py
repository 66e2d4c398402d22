"""UNIT, TEAM, LINE and TERRITORY arguments are an id or an exact name (case-insensitive; a name
that several records share must be given as an id)."""

from __future__ import annotations

from crm.territory.v1 import org_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crmctl.commands.territory.stubs import Stubs
from crmctl.lookup import name_resolver


def _every(request_type):
    # Deactivated records too: their history is still shown and listed by name.
    return lambda _value: request_type(include_inactive=True)


unit_id = name_resolver(
    "unit",
    lambda session: Stubs(session).org.ListOrgUnits,
    _every(org_pb2.ListOrgUnitsRequest),
    listed_by="crmctl org tree",
)
team_id = name_resolver(
    "team",
    lambda session: Stubs(session).teams.ListTeams,
    _every(teams_pb2.ListTeamsRequest),
    listed_by="crmctl teams list",
)
line_id = name_resolver(
    "sales line",
    lambda session: Stubs(session).lines.ListSalesLines,
    _every(sales_lines_pb2.ListSalesLinesRequest),
    listed_by="crmctl lines list",
)
territory_id = name_resolver(
    "territory",
    lambda session: Stubs(session).territories.ListTerritories,
    _every(territories_pb2.ListTerritoriesRequest),
    listed_by="crmctl territories list",
)
