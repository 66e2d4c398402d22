"""Exact money: a Decimal amount with an ISO 4217 currency. Never a float.

Amounts come from decimal strings read by the platform's wire rules (``crm_chassis.wire.money``:
a known currency, at most its minor-unit digits — 2 for EUR, 0 for JPY, 3 for KWD), so every
stored amount is exact to the cent (or the currency's equivalent) and sums stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_chassis.currencies import check_currency, minor_units
from crm_chassis.errors import InvalidArgument


def validate_currency(raw: str, field: str = "currency") -> str:
    """The ISO 4217 code (upper-cased), or InvalidArgument naming ``field``."""
    return check_currency(raw, field)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @property
    def wire(self) -> str:
        """The amount as sent on the wire: exactly the currency's minor-unit digits."""
        return f"{self.amount.quantize(Decimal(1).scaleb(-minor_units(self.currency))):f}"

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def is_negative(self) -> bool:
        return self.amount < 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidArgument(f"cannot combine {self.currency} and {other.currency} amounts")

    def __str__(self) -> str:
        return f"{self.wire} {self.currency}"


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Exact sum of ``amounts`` (all in ``currency``); zero for none."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
