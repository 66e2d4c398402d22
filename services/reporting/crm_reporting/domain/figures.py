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

#: A median of lengths of time (time in stage, sales cycle) is the median of the lengths each
#: rounded to the nearest whole hour (halves up): exact at that resolution, so a store can keep
#: counts per hour of length instead of the lengths (docs/services/reporting.md, "Figures").
HOUR_MICROS = 3_600_000_000


def length_hours(length_micros: int) -> int:
    """A length in microseconds rounded to the nearest whole hour (halves up)."""
    return (length_micros + HOUR_MICROS // 2) // HOUR_MICROS


def median_length(length_micros: int) -> int:
    """A length as a median counts it: rounded to the hour, in microseconds."""
    return length_hours(length_micros) * HOUR_MICROS


def middle_hours(counts: dict[int, int]) -> tuple[int, int]:
    """The two middle values (the same one for an odd count) of lengths given as {whole hours:
    how many}; (0, 0) when there are none."""
    total = sum(counts.values())
    if total <= 0:
        return 0, 0
    low_at, high_at = (total - 1) // 2, total // 2
    low = high = 0
    seen = 0
    for hours in sorted(counts):
        if seen <= low_at < seen + counts[hours]:
            low = hours
        if seen <= high_at < seen + counts[hours]:
            high = hours
            break
        seen += counts[hours]
    return low, high


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
