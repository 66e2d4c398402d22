"""Use cases of the organisation: level names, unassigned queue team, units and their managers."""

from __future__ import annotations

import datetime as dt

from crm.territory.v1 import events_pb2
from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_chassis.paging import Page
from crm_territory.domain import org
from crm_territory.domain.org import OrgSettings, OrgUnit
from crm_territory.domain.values import check_version, require_text
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.access_state import AccessWatch, all_unit_managers
from crm_territory.service_layer.caller import Caller, require_admin
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.event_messages import emit_unit
from crm_territory.service_layer.lookups import active_team, found
from crm_territory.service_layer.paging import paginate
from crm_territory.service_layer.people import ensure_person
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def get_settings(deps: Dependencies, caller: Caller) -> OrgSettings:
    with deps.uow() as uow:
        return uow.settings.get()


def _save_settings(uow: TerritoryUnitOfWork, settings: OrgSettings, caller: Caller) -> None:
    uow.settings.save(settings)
    uow.emit(
        "org_settings_changed",
        events_pb2.OrgSettingsChanged(settings=event_messages.settings(settings)),
        aggregate_type="org_settings",
        aggregate_id="org",
        aggregate_version=settings.version,
        actor=caller.actor,
    )


def set_level_names(deps: Dependencies, caller: Caller, *, names: list[str]) -> OrgSettings:
    require_admin(caller, "renaming the organisation levels")
    with deps.uow() as uow:
        settings = uow.settings.get()
        settings.rename_levels(names)
        _save_settings(uow, settings, caller)
        uow.commit()
        return settings


def set_unassigned_queue(deps: Dependencies, caller: Caller, *, team_id: str) -> OrgSettings:
    require_admin(caller, "designating the unassigned queue team")
    with deps.uow() as uow:
        active_team(uow, team_id)
        settings = uow.settings.get()
        settings.unassigned_queue_team_id = team_id
        settings.version += 1
        _save_settings(uow, settings, caller)
        uow.commit()
        return settings


def _check_sibling_name(
    uow: TerritoryUnitOfWork, name: str, parent_id: str, department: str, exclude: str = ""
) -> None:
    for other in uow.units.all().values():
        if (
            other.id != exclude
            and other.parent_id == parent_id
            and other.department == department
            and other.name.casefold() == name.casefold()
        ):
            raise AlreadyExists(f"a unit named '{other.name}' already exists there", field="name")


def create_unit(
    deps: Dependencies, caller: Caller, *, name: str, parent_id: str = "", department: str = ""
) -> OrgUnit:
    require_admin(caller, "creating an organisational unit")
    name = require_text(name, "name")
    with deps.uow() as uow:
        parent = found(uow.units.get(parent_id), "parent unit", parent_id) if parent_id else None
        level, dept = org.placement(parent, department)
        _check_sibling_name(uow, name, parent_id, dept)
        unit = OrgUnit(deps.ids.new_id(), name, level, dept, parent_id, created_at=deps.clock.now())
        uow.units.add(unit)
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_CREATED, caller.actor)
        uow.commit()
        return unit


def get_unit(deps: Dependencies, caller: Caller, *, unit_id: str) -> OrgUnit:
    with deps.uow() as uow:
        return found(uow.units.get(unit_id), "unit", unit_id)


def list_units(
    deps: Dependencies,
    caller: Caller,
    *,
    parent_id: str = "",
    department: str = "",
    include_inactive: bool = False,
    page_size: int = 0,
    cursor: str = "",
) -> Page[OrgUnit]:
    dept = org.validate_department(department) if department else ""
    with deps.uow() as uow:
        units = [
            u
            for u in uow.units.all().values()
            if (include_inactive or u.active)
            and (not parent_id or u.parent_id == parent_id)
            and (not dept or u.department == dept)
        ]
    return paginate(units, lambda u: (u.level, u.name.casefold(), u.id), page_size, cursor)


def rename_unit(
    deps: Dependencies, caller: Caller, *, unit_id: str, name: str, expected_version: int = 0
) -> OrgUnit:
    require_admin(caller, "renaming a unit")
    name = require_text(name, "name")
    with deps.uow() as uow:
        unit = found(uow.units.get(unit_id), "unit", unit_id)
        check_version(expected_version, unit.version, f"unit '{unit.name}'")
        if unit.name == name:
            return unit
        _check_sibling_name(uow, name, unit.parent_id, unit.department, exclude=unit.id)
        unit.name = name
        unit.touch()
        uow.units.save(unit)
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_RENAMED, caller.actor)
        uow.commit()
        return unit


def move_unit(
    deps: Dependencies,
    caller: Caller,
    *,
    unit_id: str,
    new_parent_id: str,
    expected_version: int = 0,
) -> OrgUnit:
    require_admin(caller, "moving a unit")
    with deps.uow() as uow:
        units = uow.units.all()
        unit = found(units.get(unit_id), "unit", unit_id)
        check_version(expected_version, unit.version, f"unit '{unit.name}'")
        parent = (
            found(units.get(new_parent_id), "new parent unit", new_parent_id)
            if new_parent_id
            else None
        )
        if unit.parent_id == new_parent_id:
            return unit
        new_level = org.check_move(unit, parent, units)
        _check_sibling_name(uow, unit.name, new_parent_id, unit.department, exclude=unit.id)
        watch = AccessWatch(uow, deps.clock.now()).watch(all_unit_managers(uow))
        shift = new_level - unit.level
        previous = unit.parent_id
        for other_id in sorted(org.subtree_ids(unit.id, units) - {unit.id}):
            other = units[other_id]
            if shift:
                other.level += shift
                other.touch()
                uow.units.save(other)
                emit_unit(uow, other, events_pb2.CHANGE_KIND_UPDATED, caller.actor)
        unit.parent_id, unit.level = new_parent_id, new_level
        unit.touch()
        uow.units.save(unit)
        emit_unit(
            uow, unit, events_pb2.CHANGE_KIND_MOVED, caller.actor, previous_parent_id=previous
        )
        watch.publish(caller.actor)
        uow.commit()
        return unit


def _blockers(
    uow: TerritoryUnitOfWork, unit: OrgUnit, *, deleting: bool, at: dt.datetime
) -> list[str]:
    """What keeps ``unit`` from being deactivated (or deleted), in words."""
    units = uow.units.all()
    problems = []
    children = [u for u in units.values() if u.parent_id == unit.id and (deleting or u.active)]
    if children:
        problems.append(
            f"{len(children)} {'child' if deleting else 'active child'} unit(s): "
            + ", ".join(sorted(f"'{u.name}'" for u in children))
        )
    territories = uow.territories.all()
    for team in sorted(uow.teams.all().values(), key=lambda t: t.name):
        if team.unit_id != unit.id or not (deleting or team.active):
            continue
        members = [m for m in uow.memberships.for_team(team.id) if m.is_active(at)]
        open_territories = [t.name for t in territories if t.team_id == team.id and t.active]
        detail = [f"{len(members)} active member(s)"] if members else []
        if open_territories:
            detail.append("open territories " + ", ".join(f"'{n}'" for n in open_territories))
        problems.append(f"team '{team.name}'" + (f" ({'; '.join(detail)})" if detail else ""))
    return problems


def deactivate_unit(deps: Dependencies, caller: Caller, *, unit_id: str) -> OrgUnit:
    require_admin(caller, "deactivating a unit")
    with deps.uow() as uow:
        unit = found(uow.units.get(unit_id), "unit", unit_id)
        if not unit.active:
            return unit
        blockers = _blockers(uow, unit, deleting=False, at=deps.clock.now())
        if blockers:
            raise FailedPrecondition(
                f"unit '{unit.name}' cannot be deactivated while it has " + "; ".join(blockers),
                details={"blocked_by": "; ".join(blockers)},
            )
        watch = AccessWatch(uow, deps.clock.now()).watch(all_unit_managers(uow))
        unit.active = False
        unit.touch()
        uow.units.save(unit)
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_DEACTIVATED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return unit


def delete_unit(deps: Dependencies, caller: Caller, *, unit_id: str) -> None:
    require_admin(caller, "deleting a unit")
    with deps.uow() as uow:
        unit = found(uow.units.get(unit_id), "unit", unit_id)
        blockers = _blockers(uow, unit, deleting=True, at=deps.clock.now())
        if blockers:
            raise FailedPrecondition(
                f"unit '{unit.name}' cannot be deleted while it has " + "; ".join(blockers),
                details={"blocked_by": "; ".join(blockers)},
            )
        watch = AccessWatch(uow, deps.clock.now()).watch(unit.manager_user_ids)
        uow.units.remove(unit.id)
        unit.touch()
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_DELETED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()


def assign_unit_manager(
    deps: Dependencies, caller: Caller, *, unit_id: str, user_id: str
) -> OrgUnit:
    require_admin(caller, "assigning a unit manager")
    with deps.uow() as uow:
        unit = found(uow.units.get(unit_id), "unit", unit_id)
        if not unit.active:
            raise FailedPrecondition(f"unit '{unit.name}' is deactivated")
        ensure_person(uow, deps.directory, user_id)
        if user_id in unit.manager_user_ids:
            return unit
        watch = AccessWatch(uow, deps.clock.now()).watch([user_id])
        unit.manager_user_ids.add(user_id)
        unit.touch()
        uow.units.save(unit)
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_MANAGERS_CHANGED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return unit


def remove_unit_manager(
    deps: Dependencies, caller: Caller, *, unit_id: str, user_id: str
) -> OrgUnit:
    require_admin(caller, "removing a unit manager")
    with deps.uow() as uow:
        unit = found(uow.units.get(unit_id), "unit", unit_id)
        if user_id not in unit.manager_user_ids:
            raise FailedPrecondition(
                f"user {user_id} does not manage unit '{unit.name}'", field="user_id"
            )
        watch = AccessWatch(uow, deps.clock.now()).watch([user_id])
        unit.manager_user_ids.discard(user_id)
        unit.touch()
        uow.units.save(unit)
        emit_unit(uow, unit, events_pb2.CHANGE_KIND_MANAGERS_CHANGED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return unit
