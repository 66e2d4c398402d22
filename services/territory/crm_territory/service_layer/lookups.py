"""Lookups the use cases share: a record by id that fails clearly (INVALID_ARGUMENT for an empty
id, NOT_FOUND for an unknown one), and the active team or unit a change needs."""

from __future__ import annotations

from typing import TypeVar

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound
from crm_territory.domain.org import OrgUnit
from crm_territory.domain.teams import Team
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

T = TypeVar("T")


def found(value: T | None, what: str, ident: str) -> T:
    if not ident:
        raise InvalidArgument(f"{what} id must not be empty", field=f"{what.replace(' ', '_')}_id")
    if value is None:
        raise NotFound(f"{what} {ident} not found")
    return value


def active_team(uow: TerritoryUnitOfWork, team_id: str) -> Team:
    team = found(uow.teams.get(team_id), "team", team_id)
    if not team.active:
        raise FailedPrecondition(f"team '{team.name}' is deactivated")
    return team


def active_unit(uow: TerritoryUnitOfWork, unit_id: str) -> OrgUnit:
    unit = found(uow.units.get(unit_id), "unit", unit_id)
    if not unit.active:
        raise FailedPrecondition(f"unit '{unit.name}' is deactivated")
    return unit
