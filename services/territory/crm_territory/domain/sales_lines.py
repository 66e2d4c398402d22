"""Sales lines (market segments sold to in their own way) and their targets per team and period."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_chassis.errors import InvalidArgument
from crm_territory.domain.values import Money, Period, problem


class WorkflowKind(enum.Enum):
    CONTRACT = "contract"  # deals close on a signed contract
    QUOTE = "quote"  # deals close on an accepted quote / pre-invoice


def parse_workflow(value: str) -> WorkflowKind:
    try:
        return WorkflowKind((value or "").strip().lower())
    except ValueError:
        raise InvalidArgument(
            f"workflow_kind must be contract or quote, got {value!r}", field="workflow_kind"
        ) from None


@dataclass
class SalesLine:
    id: str
    name: str
    description: str
    workflow_kind: WorkflowKind
    pipeline_id: str
    team_ids: list[str] = field(default_factory=list)
    active: bool = True
    version: int = 1
    targets_version: int = 0  # version of the line's targets (their own event stream)


@dataclass(frozen=True)
class UnitTarget:
    """Units of one product (``product_id``, catalog's id) or of a product group (``product_group``,
    catalog's product family name) to sell, in ``unit`` (empty: the product's default unit)."""

    product_id: str
    product_group: str
    quantity: Decimal
    unit: str = ""


MAX_UNIT_TARGETS = 50


@dataclass(frozen=True)
class Target:
    """What one team should achieve on one line in one period: an amount, a count of deals and
    units of products or product groups."""

    sales_line_id: str
    team_id: str
    period: Period
    amount: Money
    deal_count: int
    units: tuple[UnitTarget, ...] = ()


# (product_id, product_group, quantity, unit) as a request gives them
UnitRow = tuple[str, str, str, str]


def build_unit_targets(
    rows: list[UnitRow], where: str, problems: list[tuple[str, str]]
) -> tuple[UnitTarget, ...]:
    """Validate the unit targets of one team's row; problems are appended, not raised."""
    if len(rows) > MAX_UNIT_TARGETS:
        problems.append((f"{where}.units", f"at most {MAX_UNIT_TARGETS} unit targets per team"))
        return ()
    units: list[UnitTarget] = []
    seen: set[tuple[str, str]] = set()
    for j, (product_id, group, quantity, unit) in enumerate(rows):
        at = f"{where}.units[{j}]"
        product_id, group, unit = product_id.strip(), group.strip(), unit.strip()
        if bool(product_id) == bool(group):
            problems.append(
                (at, "name exactly one of product_id (a product) and product_group (a family)")
            )
            continue
        key = ("product", product_id) if product_id else ("group", group.lower())
        if key in seen:
            problems.append((at, f"{key[0]} {product_id or group!r} appears twice"))
            continue
        seen.add(key)
        try:
            amount = Decimal((quantity or "").strip())
        except InvalidOperation:
            amount = Decimal(-1)
        exponent = amount.as_tuple().exponent
        if not isinstance(exponent, int) or amount < 0 or exponent < -4:
            problems.append(
                (
                    f"{at}.quantity",
                    f"a quantity is a decimal >= 0 with at most 4 decimals, got {quantity!r}",
                )
            )
            continue
        if len(group) > 200 or len(unit) > 40:
            problems.append((at, "product_group is at most 200 characters, unit at most 40"))
            continue
        units.append(UnitTarget(product_id, group, amount, unit))
    return tuple(units)


def build_targets(line: SalesLine, period: Period, rows: list[tuple[Any, ...]]) -> list[Target]:
    """Validate (team_id, amount, currency, deal_count[, unit rows]) rows for ``line`` in
    ``period`` (unit rows: see :data:`UnitRow`).

    Every problem is collected so a planning sheet can be fixed in one pass.
    """
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    targets: list[Target] = []
    currencies: set[str] = set()
    for i, (team_id, amount, currency, deal_count, *rest) in enumerate(rows):
        where = f"targets[{i}]"
        if team_id not in line.team_ids:
            problems.append(
                (
                    f"{where}.team_id",
                    f"team {team_id!r} does not work sales line "
                    f"'{line.name}'; add it to the line first",
                )
            )
            continue
        if team_id in seen:
            problems.append((f"{where}.team_id", f"team {team_id!r} appears twice"))
            continue
        seen.add(team_id)
        try:
            money = Money.parse(amount, currency, field=f"{where}.amount")
        except InvalidArgument as exc:
            problems.append(problem(exc, where))
            continue
        if money.amount < 0:
            problems.append((f"{where}.amount", "a target amount cannot be negative"))
            continue
        if deal_count < 0:
            problems.append((f"{where}.deal_count", "a target count cannot be negative"))
            continue
        before = len(problems)
        units = build_unit_targets(list(rest[0]) if rest else [], where, problems)
        if len(problems) > before:
            continue
        currencies.add(money.currency)
        targets.append(Target(line.id, team_id, period, money, deal_count, units))
    if len(currencies) > 1:
        problems.append(
            (
                "targets",
                f"use one currency per line and period, got {', '.join(sorted(currencies))}",
            )
        )
    if problems:
        from crm_chassis.errors import ValidationErrors

        raise ValidationErrors(problems)
    return targets
