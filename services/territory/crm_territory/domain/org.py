"""The sales organisation: three levels of units under the departments, with named levels.

A top-level unit belongs to one department; every unit below sits exactly one level under its
parent, so the tree is at most three deep. Teams hang under units (see teams.py). A unit's
managers see every team of its subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_territory.domain.values import require_text

DEPARTMENTS = ("management", "sales", "marketing", "after_sales_service")
LEVELS = 3
DEFAULT_LEVEL_NAMES = ("division", "region", "area")


@dataclass
class OrgSettings:
    """Organisation-wide settings: the names of the three levels and the unassigned queue."""

    level_names: tuple[str, str, str] = DEFAULT_LEVEL_NAMES
    unassigned_queue_team_id: str = ""
    version: int = 0

    def rename_levels(self, names: list[str]) -> None:
        if len(names) != LEVELS:
            raise InvalidArgument(
                f"level_names: give exactly {LEVELS} names (top first), got {len(names)}",
                field="level_names",
            )
        cleaned = tuple(
            require_text(n, f"level_names[{i}]", max_length=60) for i, n in enumerate(names)
        )
        if len({n.casefold() for n in cleaned}) != LEVELS:
            raise InvalidArgument("level_names: the three names must differ", field="level_names")
        self.level_names = cleaned  # type: ignore[assignment]
        self.version += 1

    def level_name(self, level: int) -> str:
        return self.level_names[level - 1]


@dataclass
class OrgUnit:
    id: str
    name: str
    level: int
    department: str
    parent_id: str = ""
    manager_user_ids: set[str] = field(default_factory=set)
    active: bool = True
    created_at: dt.datetime | None = None
    version: int = 1

    def touch(self) -> None:
        self.version += 1


def validate_department(department: str) -> str:
    value = (department or "").strip().lower()
    if value not in DEPARTMENTS:
        raise InvalidArgument(
            f"department must be one of {', '.join(DEPARTMENTS)}, got {department!r}",
            field="department",
        )
    return value


def placement(parent: OrgUnit | None, department: str) -> tuple[int, str]:
    """Level and department of a unit placed under ``parent`` (None = top level)."""
    if parent is None:
        return 1, validate_department(department)
    if not parent.active:
        raise FailedPrecondition(
            f"parent unit '{parent.name}' is deactivated; reactivate it or choose an active parent",
            field="parent_id",
        )
    if parent.level >= LEVELS:
        raise FailedPrecondition(
            f"unit '{parent.name}' is on the lowest level ({LEVELS}); units "
            "cannot be nested deeper — put teams under it instead",
            field="parent_id",
        )
    if department and validate_department(department) != parent.department:
        raise InvalidArgument(
            f"department {department!r} differs from the parent's "
            f"({parent.department}); a sub-unit inherits its parent's department",
            field="department",
        )
    return parent.level + 1, parent.department


def ancestors(unit: OrgUnit, units: dict[str, OrgUnit]) -> list[OrgUnit]:
    """The chain of parents of ``unit``, nearest first. Stops on a corrupt cycle."""
    chain, seen, current = [], {unit.id}, unit
    while current.parent_id and current.parent_id in units:
        current = units[current.parent_id]
        if current.id in seen:
            break
        seen.add(current.id)
        chain.append(current)
    return chain


def subtree_ids(root_id: str, units: dict[str, OrgUnit]) -> set[str]:
    """Ids of ``root_id`` and every unit below it."""
    children: dict[str, list[str]] = {}
    for u in units.values():
        children.setdefault(u.parent_id, []).append(u.id)
    found, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def check_move(unit: OrgUnit, new_parent: OrgUnit | None, units: dict[str, OrgUnit]) -> int:
    """Validate moving ``unit`` (with its subtree) under ``new_parent``; returns the new level.

    Refuses cycles first (the clearest message), then depth beyond three levels and moves across
    departments.
    """
    if new_parent is not None:
        if new_parent.id == unit.id:
            raise InvalidArgument(
                f"unit '{unit.name}' cannot be its own parent", field="new_parent_id"
            )
        if new_parent.id in subtree_ids(unit.id, units):
            raise InvalidArgument(
                f"moving '{unit.name}' under '{new_parent.name}' would make a "
                f"cycle: '{new_parent.name}' is inside '{unit.name}'",
                field="new_parent_id",
            )
        if not new_parent.active:
            raise FailedPrecondition(
                f"target parent '{new_parent.name}' is deactivated", field="new_parent_id"
            )
        if new_parent.department != unit.department:
            raise FailedPrecondition(
                f"'{unit.name}' belongs to {unit.department} and cannot move "
                f"under '{new_parent.name}' of {new_parent.department}",
                field="new_parent_id",
            )
    new_level = 1 if new_parent is None else new_parent.level + 1
    depth_below = max(units[i].level for i in subtree_ids(unit.id, units)) - unit.level
    if new_level + depth_below > LEVELS:
        raise FailedPrecondition(
            f"moving '{unit.name}' there would put its lowest units on level "
            f"{new_level + depth_below}; the organisation has {LEVELS} levels",
            field="new_parent_id",
        )
    return new_level
