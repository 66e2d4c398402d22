"""How figures are rounded and summed: money per currency (never summed across currencies),
percentages and days with one decimal, half-even rounding throughout.

Amounts are kept exact as ``Decimal`` while they are summed; a total is rounded only when it is
shown, to its currency's minor units (``crm_chassis.currencies``).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from crm_chassis.currencies import MINOR_UNITS, minor_unit

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
SECONDS_PER_DAY = Decimal(86400)


class Amounts:
    """Totals per currency. Adding a currency never touches another's total."""

    __slots__ = ("_totals",)

    def __init__(self, items: Iterable[tuple[str, Decimal]] = ()) -> None:
        self._totals: dict[str, Decimal] = {}
        for currency, amount in items:
            self.add(currency, amount)

    def add(self, currency: str, amount: Decimal | None) -> None:
        if amount is None or not currency:
            return
        self._totals[currency] = self._totals.get(currency, Decimal(0)) + amount

    def get(self, currency: str) -> Decimal:
        return self._totals.get(currency, Decimal(0))

    @property
    def currencies(self) -> list[str]:
        return sorted(self._totals)

    def rounded(self) -> list[tuple[str, Decimal]]:
        """(currency, total rounded to its minor units), by currency code."""
        return [(c, money(self._totals[c], c)) for c in self.currencies]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Amounts) and self.rounded() == other.rounded()

    def __repr__(self) -> str:
        return f"Amounts({self.rounded()!r})"


def money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to the currency's minor units."""
    if currency not in MINOR_UNITS:  # an unknown code from an event: cents, like most
        return amount.quantize(TWO_DECIMALS, rounding=ROUND_HALF_EVEN)
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole x 100 with one decimal; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_EVEN)


def one_decimal(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_EVEN)


def days(seconds: float | int | Decimal) -> Decimal:
    """Seconds as exact days (rounded only when shown)."""
    return Decimal(seconds) / SECONDS_PER_DAY


def mean(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None
