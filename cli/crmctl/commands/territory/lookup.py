"""UNIT, TEAM, LINE and TERRITORY arguments are an id or an exact name (case-insensitive; a name
that several records share must be given as an id)."""

from __future__ import annotations

from crm.territory.v1 import org_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crmctl.commands.territory.stubs import Stubs
from crmctl.lookup import resolve_name
from crmctl.session import Session


def unit_id(session: Session, value: str) -> str:
    return resolve_name(
        session,
        value,
        "unit",
        Stubs(session).org.ListOrgUnits,
        org_pb2.ListOrgUnitsRequest(include_inactive=True),
        listed_by="crmctl org tree",
    )


def team_id(session: Session, value: str) -> str:
    return resolve_name(
        session,
        value,
        "team",
        Stubs(session).teams.ListTeams,
        teams_pb2.ListTeamsRequest(include_inactive=True),
        listed_by="crmctl teams list",
    )


def line_id(session: Session, value: str) -> str:
    return resolve_name(
        session,
        value,
        "sales line",
        Stubs(session).lines.ListSalesLines,
        sales_lines_pb2.ListSalesLinesRequest(include_inactive=True),
        listed_by="crmctl lines list",
    )


def territory_id(session: Session, value: str) -> str:
    return resolve_name(
        session,
        value,
        "territory",
        Stubs(session).territories.ListTerritories,
        territories_pb2.ListTerritoriesRequest(include_inactive=True),
        listed_by="crmctl territories list",
    )
