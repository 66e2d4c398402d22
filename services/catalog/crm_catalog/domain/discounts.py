"""Discount lists: volume discounts by quantity tier, as an amount per unit or a percentage.

Tiers are inclusive ranges [low, high] of the line's quantity (in the line's unit), ordered and
**contiguous**: each tier starts one quantity step after the previous one ends, the step being
10^-quantity_decimals of the list (1 for whole units: [1, 9], [10, 49], [50, open]). Overlaps and
gaps are refused with a message naming the tiers; a band that deliberately gets no discount is
written as a tier with value 0. Only the last tier may leave ``high`` open. Quantities below the
first tier or above a closed last tier get no discount; a quantity finer than the list's step
that falls between one tier's high and the next tier's low (9.5 with [1, 9], [10, 49]) belongs to
the lower tier, so no quantity ever falls into a hole.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from crm_catalog.domain.aggregate import Aggregate, clean_name
from crm_catalog.domain.money import ARITHMETIC, parse_amount
from crm_chassis.currencies import check_currency
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_chassis.wire.decimals import format_decimal, parse_decimal

MAX_TIERS = 100
MAX_QUANTITY_DECIMALS = 6

#: A tier as a caller gives it: low, high ("" or None = open) and value, as decimal strings
#: (or Decimals, when a list re-parses its own tiers).
RawTier = Mapping[str, str | Decimal | None]


class DiscountType(enum.Enum):
    AMOUNT = "amount"  # currency amount off each unit
    PERCENTAGE = "percentage"  # percent off the line's gross amount


@dataclass(frozen=True)
class Tier:
    low: Decimal
    high: Decimal | None  # None: no upper bound (last tier only)
    value: Decimal

    @functools.lru_cache(maxsize=1024)  # noqa: B019  # frozen and hashable; described once per line
    def describe(self) -> str:
        upper = "and more" if self.high is None else f"to {format_decimal(self.high)}"
        return f"{format_decimal(self.low)} {upper}"


@dataclass(eq=False)
class DiscountList(Aggregate):
    name: str = ""
    type: DiscountType = DiscountType.PERCENTAGE
    currency: str = ""  # required for AMOUNT lists, empty for PERCENTAGE lists
    quantity_decimals: int = 0
    tiers: tuple[Tier, ...] = field(default_factory=tuple)

    @classmethod
    def create(
        cls,
        *,
        id: str,
        name: str,
        type: DiscountType,
        currency: str = "",
        quantity_decimals: int = 0,
        tiers: list[RawTier],
        now: dt.datetime,
    ) -> DiscountList:
        if type is DiscountType.AMOUNT:
            currency = check_currency(currency)
        elif currency:
            raise InvalidArgument(
                "a percentage discount list has no currency; leave it empty", field="currency"
            )
        discount_list = cls(
            id=id,
            version=1,
            created_at=now,
            updated_at=now,
            name=clean_name(name, "name"),
            type=type,
            currency=currency,
            quantity_decimals=_check_decimals(quantity_decimals),
        )
        discount_list.tiers = discount_list.parse_tiers(tiers)
        return discount_list

    def update(
        self,
        *,
        name: str | None = None,
        quantity_decimals: int | None = None,
        tiers: list[RawTier] | None = None,
        now: dt.datetime,
    ) -> list[str]:
        """Renames and/or replaces the tiers (whole set, validated together)."""
        changed = []
        new_name = self.name if name is None else clean_name(name, "name")
        decimals = (
            self.quantity_decimals
            if quantity_decimals is None
            else _check_decimals(quantity_decimals)
        )
        old_decimals, self.quantity_decimals = self.quantity_decimals, decimals
        try:
            new_tiers = self.tiers if tiers is None else self.parse_tiers(tiers)
            if tiers is None and decimals != old_decimals:
                new_tiers = self.parse_tiers(
                    [{"low": t.low, "high": t.high, "value": t.value} for t in self.tiers]
                )
        except InvalidArgument:
            self.quantity_decimals = old_decimals
            raise
        for attr, old, new in (
            ("name", self.name, new_name),
            ("quantity_decimals", old_decimals, decimals),
            ("tiers", self.tiers, new_tiers),
        ):
            if old != new:
                changed.append(attr)
        self.name, self.tiers = new_name, new_tiers
        if changed:
            self._changed(now)
        return changed

    def parse_tiers(self, raw_tiers: list[RawTier]) -> tuple[Tier, ...]:
        """Parses and validates a whole tier set; every problem is reported at once."""
        if not raw_tiers:
            raise InvalidArgument("a discount list needs at least one tier", field="tiers")
        if len(raw_tiers) > MAX_TIERS:
            raise InvalidArgument(f"a discount list has at most {MAX_TIERS} tiers", field="tiers")
        tiers = [self._parse_tier(raw, index) for index, raw in enumerate(raw_tiers)]
        tiers.sort(key=lambda tier: tier.low)
        step = Decimal(1).scaleb(-self.quantity_decimals)
        problems: list[tuple[str, str]] = []
        for index, (tier, following) in enumerate(itertools.pairwise(tiers)):
            where = f"tiers[{index}]"
            if tier.high is None:
                problems.append(
                    (
                        where,
                        f"tier {tier.describe()} has no upper bound but tier "
                        f"{following.describe()} follows it; only the last tier "
                        "may be open-ended",
                    )
                )
                continue
            expected = tier.high + step
            if following.low < expected:
                problems.append(
                    (
                        where,
                        f"tiers {tier.describe()} and {following.describe()} "
                        "overlap; each quantity must fall in exactly one tier",
                    )
                )
            elif following.low > expected:
                problems.append(
                    (
                        where,
                        f"gap between tier {tier.describe()} and tier "
                        f"{following.describe()}: quantities "
                        f"{format_decimal(expected)} to "
                        f"{format_decimal(following.low - step)} are in no tier; "
                        f"start the next tier at {format_decimal(expected)} "
                        "(use a tier with value 0 for a band without discount)",
                    )
                )
        if problems:
            raise ValidationErrors(problems)
        return tuple(tiers)

    def _parse_tier(self, raw: RawTier, index: int) -> Tier:
        where = f"tiers[{index}]"
        low_raw = raw.get("low")
        low = parse_decimal(
            "" if low_raw is None else low_raw,
            f"{where}.low",
            max_decimals=self.quantity_decimals,
            minimum=Decimal(0),
        )
        high_raw = raw.get("high")
        high = (
            None
            if high_raw in (None, "")
            else parse_decimal(
                high_raw or "",
                f"{where}.high",
                max_decimals=self.quantity_decimals,
                minimum=Decimal(0),
            )
        )
        if high is not None and high < low:
            raise InvalidArgument(
                f"{where}: high {format_decimal(high)} is below low {format_decimal(low)}",
                field=f"{where}.high",
            )
        value_field, value_raw = f"{where}.value", raw.get("value")
        value_text = "" if value_raw is None else value_raw
        if self.type is DiscountType.AMOUNT:
            value = parse_amount(value_text, self.currency, value_field)
        else:
            value = parse_decimal(
                value_text, value_field, max_decimals=6, minimum=Decimal(0), maximum=Decimal(100)
            )
        return Tier(low, high, value)

    def tier_for(self, quantity: Decimal) -> Tier | None:
        """The tier whose range holds ``quantity`` (see the module docstring), or None."""
        index = self.tier_index_for(quantity)
        return self.tiers[index] if index >= 0 else None

    def tier_index_for(self, quantity: Decimal) -> int:
        """The index of the tier ``tier_for`` returns, or -1."""
        chosen = -1
        for index, tier in enumerate(self.tiers):
            if quantity < tier.low:
                break
            chosen = index
        last = self.tiers[-1]
        if chosen == len(self.tiers) - 1 and last.high is not None and quantity > last.high:
            return -1
        return chosen

    def describe_value(self, tier: Tier) -> str:
        if self.type is DiscountType.AMOUNT:
            return f"{tier.value:f} {self.currency} off each unit"
        return f"{format_decimal(tier.value)} % off"


def _check_decimals(value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY_DECIMALS:
        raise InvalidArgument(
            f"quantity_decimals must be a whole number from 0 to "
            f"{MAX_QUANTITY_DECIMALS}, got {value!r}",
            field="quantity_decimals",
        )
    return value


def percentage_of(amount: Decimal, percent: Decimal) -> Decimal:
    return ARITHMETIC.divide(ARITHMETIC.multiply(amount, percent), Decimal(100))
