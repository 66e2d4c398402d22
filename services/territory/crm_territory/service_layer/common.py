"""Helpers shared by the use cases: lookups that fail clearly, paging, event emission."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Callable, Generic, Iterable, TypeVar

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound

from crm.territory.v1 import events_pb2
from crm_territory.domain.org import OrgUnit
from crm_territory.domain.teams import Team
from crm_territory.service_layer import mappers

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def found(value: T | None, what: str, ident: str) -> T:
    if not ident:
        raise InvalidArgument(f"{what} id must not be empty", field=f"{what.replace(' ', '_')}_id")
    if value is None:
        raise NotFound(f"{what} {ident} not found")
    return value


def active_team(uow, team_id: str) -> Team:
    team = found(uow.teams.get(team_id), "team", team_id)
    if not team.active:
        raise FailedPrecondition(f"team '{team.name}' is deactivated")
    return team


def active_unit(uow, unit_id: str) -> OrgUnit:
    unit = found(uow.units.get(unit_id), "unit", unit_id)
    if not unit.active:
        raise FailedPrecondition(f"unit '{unit.name}' is deactivated")
    return unit


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str


def page_size(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be 0..{MAX_PAGE_SIZE}, got {requested}",
                              field="page.page_size")
    return requested or DEFAULT_PAGE_SIZE


def encode_cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode_cursor(cursor: str) -> list | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise InvalidArgument("page.cursor is not a cursor this service returned",
                              field="page.cursor") from None
    if not isinstance(key, list):
        raise InvalidArgument("page.cursor is not a cursor this service returned",
                              field="page.cursor")
    return key


def paginate(items: Iterable[T], key: Callable[[T], list], requested_size: int,
             cursor: str) -> Page[T]:
    """Keyset paging over an in-memory list: stable under inserts and deletes."""
    size = page_size(requested_size)
    after = decode_cursor(cursor)
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [i for i in ordered if key(i) > after]
    chunk = ordered[:size]
    more = len(ordered) > size
    return Page(chunk, encode_cursor(key(chunk[-1])) if more and chunk else "")


def emit_unit(uow, unit: OrgUnit, change: int, actor, previous_parent_id: str = "") -> None:
    names = uow.settings.get().level_names
    uow.emit("org_unit_changed", events_pb2.OrgUnitChanged(
        unit=mappers.unit(unit, names), change=change, previous_parent_id=previous_parent_id),
        aggregate_type="org_unit", aggregate_id=unit.id, aggregate_version=unit.version,
        actor=actor)


def emit_team(uow, team: Team, change: int, actor, previous_unit_id: str = "") -> None:
    uow.emit("team_changed", events_pb2.TeamChanged(
        team=mappers.team(team), change=change, previous_unit_id=previous_unit_id),
        aggregate_type="team", aggregate_id=team.id, aggregate_version=team.version, actor=actor)


def emit_membership(uow, membership, change: int, actor, *, moved_from: str = "",
                    moved_to: str = "") -> None:
    uow.emit("membership_changed", events_pb2.MembershipChanged(
        membership=mappers.membership(membership), change=change,
        moved_from_team_id=moved_from, moved_to_team_id=moved_to),
        aggregate_type="membership", aggregate_id=membership.id,
        aggregate_version=membership.version, actor=actor)
