"""Rounding policies of price list items: none, up, down or nearest; to a multiple or an ending.

* Multiple of M (M > 0): candidates are k * M. 12.34 to a multiple of 0.05: up 12.35, down
  12.30, nearest 12.35 (a tie goes up).
* Ending in E: candidates are k * P + E, where P is the smallest power of ten greater than E
  (E = 0.99 -> P = 1; E = 9.99 -> P = 10). 12.34 ending in .99: up 12.99, down 11.99,
  nearest 11.99 (0.35 away, against 0.65).

A price is never rounded below zero: when "down" or "nearest" would give a negative candidate
the smallest non-negative candidate is used and the explanation says so. Every candidate has at
most the currency's minor-unit digits (checked when the policy is created), so the rounded price
is already an exact currency amount. With mode NONE the price is rounded half away from zero to
the currency's minor unit like every other amount.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from crm_catalog.domain.money import ARITHMETIC, to_minor_units
from crm_chassis.currencies import MINOR_UNITS
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire.decimals import format_decimal, parse_decimal


class RoundingMode(enum.Enum):
    NONE = "none"
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"


class RoundingOption(enum.Enum):
    MULTIPLE = "multiple"
    ENDING = "ending"


@dataclass(frozen=True)
class RoundingPolicy:
    mode: RoundingMode = RoundingMode.NONE
    option: RoundingOption = RoundingOption.MULTIPLE
    amount: Decimal = Decimal(0)

    @classmethod
    def none(cls) -> RoundingPolicy:
        return cls()

    @classmethod
    def create(
        cls,
        mode: RoundingMode,
        option: RoundingOption | None,
        amount: str | Decimal,
        currency: str,
        field: str = "rounding",
    ) -> RoundingPolicy:
        if mode is RoundingMode.NONE:
            return cls()
        if option is None:
            raise InvalidArgument(
                f"{field}.option is required when rounding {mode.value}: 'multiple' or 'ending'",
                field=f"{field}.option",
            )
        digits = MINOR_UNITS[currency]
        value = parse_decimal(
            amount,
            f"{field}.amount",
            max_decimals=digits,
            minimum=Decimal(0),
            allow_equal_minimum=False,
        )
        return cls(mode, option, value.normalize(ARITHMETIC))

    @functools.lru_cache(maxsize=1024)  # noqa: B019  # frozen and hashable; described once per line
    def describe(self) -> str:
        if self.mode is RoundingMode.NONE:
            return "no rounding policy"
        target = (
            "a multiple of " if self.option is RoundingOption.MULTIPLE else "end in "
        ) + format_decimal(self.amount)
        return f"rounded {self.mode.value} to {target}"

    def apply(self, price: Decimal, currency: str) -> tuple[Decimal, str]:
        """The rounded price and a sentence saying how it was obtained."""
        if self.mode is RoundingMode.NONE:
            return to_minor_units(price, currency), ""
        if self.option is RoundingOption.MULTIPLE:
            rounded, clamped = self._to_multiple(price)
        else:
            rounded, clamped = self._to_ending(price)
        rounded = to_minor_units(rounded, currency)
        note = self.describe()
        if clamped:
            note += " (rounding down would go below zero, so the lowest non-negative price is used)"
        return rounded, note

    def _pick(self, price: Decimal, down: Decimal, up: Decimal) -> Decimal:
        if self.mode is RoundingMode.UP:
            return up
        if self.mode is RoundingMode.DOWN:
            return down
        return down if (price - down) < (up - price) else up  # a tie goes up

    def _to_multiple(self, price: Decimal) -> tuple[Decimal, bool]:
        step = self.amount
        quotient = ARITHMETIC.divide(price, step)
        down = ARITHMETIC.multiply(quotient.to_integral_value(rounding=ROUND_FLOOR), step)
        up = ARITHMETIC.multiply(quotient.to_integral_value(rounding=ROUND_CEILING), step)
        chosen = self._pick(price, down, up)
        return (up, True) if chosen < 0 else (chosen, False)

    def _to_ending(self, price: Decimal) -> tuple[Decimal, bool]:
        ending = self.amount
        period = Decimal(1)
        while period <= ending:
            period *= 10
        quotient = ARITHMETIC.divide(price - ending, period)
        down = quotient.to_integral_value(rounding=ROUND_FLOOR) * period + ending
        up = quotient.to_integral_value(rounding=ROUND_CEILING) * period + ending
        chosen = self._pick(price, down, up)
        if chosen < 0:
            return ending, True  # the smallest non-negative candidate (k = 0)
        return chosen, False
