"""Unit groups: a base unit and further units defined as a quantity of another unit of the group.

Example: group "Bottles" with base unit "bottle"; "6-pack" = 6 bottle; "case" = 4 6-pack, so a
case is 24 bottles. A product sells only in units of its group. Unit names are unique within a
group regardless of letter case and are how callers name a unit ("case").
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from crm_catalog.domain.aggregate import Aggregate, clean_name
from crm_catalog.domain.money import ARITHMETIC
from crm_chassis.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from crm_chassis.wire.decimals import format_decimal, parse_decimal

#: How many decimals a unit's quantity may have (e.g. 0.75 litre).
UNIT_QUANTITY_DECIMALS = 6


@dataclass(frozen=True)
class Unit:
    """``quantity`` of ``of_unit`` make one of this unit; the base unit is 1 of itself."""

    name: str
    quantity: Decimal
    of_unit: str
    base_quantity: Decimal  # how many base units one of this unit is

    @property
    def key(self) -> str:
        return unit_key(self.name)


@functools.lru_cache(maxsize=4096)
def unit_key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


@dataclass(eq=False)
class UnitGroup(Aggregate):
    name: str = ""
    base_unit: str = ""
    units: dict[str, Unit] = field(default_factory=dict)  # by unit_key, in insertion order

    @classmethod
    def create(cls, *, id: str, name: str, base_unit: str, now: dt.datetime) -> UnitGroup:
        base = clean_name(base_unit, "base_unit", max_length=50)
        group = cls(
            id=id,
            version=1,
            created_at=now,
            updated_at=now,
            name=clean_name(name, "name"),
            base_unit=base,
        )
        group.units[unit_key(base)] = Unit(base, Decimal(1), base, Decimal(1))
        return group

    def unit(self, name: str) -> Unit | None:
        return self.units.get(unit_key(name))

    def require_unit(self, name: str, field: str = "unit") -> Unit:
        unit = self.unit(name)
        if unit is None:
            raise InvalidArgument(self.unknown_unit_message(name), field=field)
        return unit

    def unknown_unit_message(self, name: str) -> str:
        return (
            f"unit '{name}' is not in unit group '{self.name}' "
            f"(its units: {', '.join(u.name for u in self.units.values())})"
        )

    def rename(self, name: str, now: dt.datetime) -> None:
        new_name = clean_name(name, "name")
        if new_name != self.name:
            self.name = new_name
            self._changed(now)

    def add_unit(self, name: str, quantity: str | Decimal, of_unit: str, now: dt.datetime) -> Unit:
        unit_name = clean_name(name, "name", max_length=50)
        if unit_key(unit_name) in self.units:
            raise AlreadyExists(
                f"unit group '{self.name}' already has a unit '{unit_name}'", field="name"
            )
        amount = parse_decimal(
            quantity,
            "quantity",
            max_decimals=UNIT_QUANTITY_DECIMALS,
            minimum=Decimal(0),
            allow_equal_minimum=False,
        )
        reference = self.unit(of_unit)
        if reference is None:
            raise InvalidArgument(self.unknown_unit_message(of_unit), field="of_unit")
        base_quantity = ARITHMETIC.multiply(amount, reference.base_quantity)
        unit = Unit(unit_name, amount, reference.name, base_quantity)
        self.units[unit.key] = unit
        self._changed(now)
        return unit

    def remove_unit(self, name: str, now: dt.datetime) -> Unit:
        """Removes a unit no other unit is defined in. Whether products or price list items
        still use it is checked by the caller (those are other aggregates)."""
        unit = self.unit(name)
        if unit is None:
            raise NotFound(self.unknown_unit_message(name), field="name")
        if unit.key == unit_key(self.base_unit):
            raise FailedPrecondition(
                f"'{unit.name}' is the base unit of '{self.name}' and cannot be removed",
                field="name",
            )
        dependants = [
            u.name
            for u in self.units.values()
            if unit_key(u.of_unit) == unit.key and u.key != unit.key
        ]
        if dependants:
            raise FailedPrecondition(
                f"unit '{unit.name}' cannot be removed: {', '.join(dependants)} "
                "are defined in it; remove them first",
                field="name",
            )
        del self.units[unit.key]
        self._changed(now)
        return unit

    def conversion(self, from_unit: str, to_unit: str) -> Decimal:
        """How many ``to_unit`` one ``from_unit`` is (exact to 34 digits)."""
        source, target = self.require_unit(from_unit), self.require_unit(to_unit)
        return ARITHMETIC.divide(source.base_quantity, target.base_quantity)

    def describe(self, unit_name: str) -> str:
        return _describe_unit(self.require_unit(unit_name), self.base_unit)


@functools.lru_cache(maxsize=4096)
def _describe_unit(unit: Unit, base_unit: str) -> str:
    if unit.key == unit_key(base_unit):
        return f"1 {unit.name} (base unit)"
    return f"1 {unit.name} = {format_decimal(unit.base_quantity)} {base_unit}"
