"""Use cases of teams: create, rename, move, routing settings, deactivate, delete."""

from __future__ import annotations

import datetime as dt

from crm.territory.v1 import events_pb2
from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_chassis.paging import Page
from crm_territory.domain.org import subtree_ids
from crm_territory.domain.teams import RoutingStrategy, Team, parse_timezone
from crm_territory.domain.values import check_version, require_text
from crm_territory.service_layer.access_state import AccessWatch, all_unit_managers
from crm_territory.service_layer.caller import Caller, require_admin
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.event_messages import emit_team
from crm_territory.service_layer.lookups import active_unit, found
from crm_territory.service_layer.paging import paginate
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def _check_name(uow: TerritoryUnitOfWork, name: str, unit_id: str, exclude: str = "") -> None:
    for other in uow.teams.all().values():
        if (
            other.id != exclude
            and other.unit_id == unit_id
            and other.name.casefold() == name.casefold()
        ):
            raise AlreadyExists(f"unit already has a team named '{other.name}'", field="name")


def create_team(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    unit_id: str,
    strategy: RoutingStrategy | None = None,
    time_zone: str = "",
) -> Team:
    require_admin(caller, "creating a team")
    name = require_text(name, "name")
    zone = parse_timezone(time_zone)
    with deps.uow() as uow:
        active_unit(uow, unit_id)
        _check_name(uow, name, unit_id)
        team = Team(
            deps.ids.new_id(),
            name,
            unit_id,
            strategy or RoutingStrategy.ROUND_ROBIN,
            zone,
            created_at=deps.clock.now(),
        )
        # Managers of the units above see the new team: their scopes widen.
        watch = AccessWatch(uow, deps.clock.now()).watch(_managers_above(uow, unit_id))
        uow.teams.add(team)
        emit_team(uow, team, events_pb2.CHANGE_KIND_CREATED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return team


def _managers_above(uow: TerritoryUnitOfWork, unit_id: str) -> set[str]:
    units = uow.units.all()
    return {
        uid
        for u in units.values()
        if unit_id in subtree_ids(u.id, units)
        for uid in u.manager_user_ids
    }


def get_team(deps: Dependencies, caller: Caller, *, team_id: str) -> Team:
    with deps.uow() as uow:
        return found(uow.teams.get(team_id), "team", team_id)


def list_teams(
    deps: Dependencies,
    caller: Caller,
    *,
    unit_id: str = "",
    include_inactive: bool = False,
    page_size: int = 0,
    cursor: str = "",
) -> Page[Team]:
    with deps.uow() as uow:
        below = subtree_ids(unit_id, uow.units.all()) if unit_id else None
        teams = [
            t
            for t in uow.teams.all().values()
            if (include_inactive or t.active) and (below is None or t.unit_id in below)
        ]
    return paginate(teams, lambda t: (t.name.casefold(), t.id), page_size, cursor)


def rename_team(
    deps: Dependencies, caller: Caller, *, team_id: str, name: str, expected_version: int = 0
) -> Team:
    require_admin(caller, "renaming a team")
    name = require_text(name, "name")
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        check_version(expected_version, team.version, f"team '{team.name}'")
        if team.name == name:
            return team
        _check_name(uow, name, team.unit_id, exclude=team.id)
        team.name = name
        team.version += 1
        uow.teams.save(team)
        emit_team(uow, team, events_pb2.CHANGE_KIND_RENAMED, caller.actor)
        uow.commit()
        return team


def move_team(
    deps: Dependencies, caller: Caller, *, team_id: str, new_unit_id: str, expected_version: int = 0
) -> Team:
    require_admin(caller, "moving a team")
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        check_version(expected_version, team.version, f"team '{team.name}'")
        unit = active_unit(uow, new_unit_id)
        old_unit = uow.units.get(team.unit_id)
        if old_unit is not None and old_unit.department != unit.department:
            raise FailedPrecondition(
                f"team '{team.name}' belongs to {old_unit.department} and "
                f"cannot move to '{unit.name}' of {unit.department}",
                field="new_unit_id",
            )
        if team.unit_id == new_unit_id:
            return team
        _check_name(uow, team.name, new_unit_id, exclude=team.id)
        watch = AccessWatch(uow, deps.clock.now()).watch(all_unit_managers(uow))
        previous = team.unit_id
        team.unit_id = new_unit_id
        team.version += 1
        uow.teams.save(team)
        emit_team(uow, team, events_pb2.CHANGE_KIND_MOVED, caller.actor, previous_unit_id=previous)
        watch.publish(caller.actor)
        uow.commit()
        return team


def set_team_routing(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str,
    strategy: RoutingStrategy | None,
    time_zone: str = "",
) -> Team:
    require_admin(caller, "changing a team's routing")
    zone = parse_timezone(time_zone) if time_zone else None
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        changed = False
        if strategy is not None and strategy is not team.strategy:
            team.strategy, changed = strategy, True
        if zone is not None and zone != team.time_zone:
            team.time_zone, changed = zone, True
        if not changed:
            return team
        team.version += 1
        uow.teams.save(team)
        emit_team(uow, team, events_pb2.CHANGE_KIND_UPDATED, caller.actor)
        uow.commit()
        return team


def _blockers(
    uow: TerritoryUnitOfWork, team: Team, at: dt.datetime, *, deleting: bool
) -> list[str]:
    problems = []
    members = [m for m in uow.memberships.for_team(team.id) if m.is_active(at)]
    if members:
        problems.append(f"{len(members)} active member(s)")
    territories = [
        t.name for t in uow.territories.all() if t.team_id == team.id and (deleting or t.active)
    ]
    if territories:
        problems.append(
            ("territories " if deleting else "active territories ")
            + ", ".join(f"'{n}'" for n in territories)
        )
    if uow.settings.get().unassigned_queue_team_id == team.id:
        problems.append("its role as the unassigned queue team (designate another team first)")
    if deleting:
        lines = [line.name for line in uow.sales_lines.all() if team.id in line.team_ids]
        if lines:
            problems.append("sales lines " + ", ".join(f"'{n}'" for n in lines))
        routed = uow.decisions.count_for_team(team.id)
        if routed:
            problems.append(f"{routed} lead(s) routed to it (deactivate it instead)")
    return problems


def deactivate_team(deps: Dependencies, caller: Caller, *, team_id: str) -> Team:
    require_admin(caller, "deactivating a team")
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        if not team.active:
            return team
        blockers = _blockers(uow, team, deps.clock.now(), deleting=False)
        if blockers:
            raise FailedPrecondition(
                f"team '{team.name}' cannot be deactivated while it has " + "; ".join(blockers),
                details={"blocked_by": "; ".join(blockers)},
            )
        watch = AccessWatch(uow, deps.clock.now()).watch(all_unit_managers(uow))
        watch.watch_team_members(team.id)
        team.active = False
        team.version += 1
        uow.teams.save(team)
        emit_team(uow, team, events_pb2.CHANGE_KIND_DEACTIVATED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return team


def delete_team(deps: Dependencies, caller: Caller, *, team_id: str) -> None:
    require_admin(caller, "deleting a team")
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        blockers = _blockers(uow, team, deps.clock.now(), deleting=True)
        if blockers:
            raise FailedPrecondition(
                f"team '{team.name}' cannot be deleted while it has " + "; ".join(blockers),
                details={"blocked_by": "; ".join(blockers)},
            )
        watch = AccessWatch(uow, deps.clock.now()).watch(all_unit_managers(uow))
        uow.teams.remove(team.id)
        team.version += 1
        emit_team(uow, team, events_pb2.CHANGE_KIND_DELETED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
