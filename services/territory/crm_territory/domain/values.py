"""Small value objects: exact money, reporting periods, and the checks of text, versions and
validation problems the model shares."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crm_chassis.currencies import MINOR_UNITS, check_currency, minor_units
from crm_chassis.errors import CrmError, FailedPrecondition, InvalidArgument

_AMOUNT = re.compile(r"^-?\d{1,18}(\.\d{1,4})?$")


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency. Never built from a float.

    Currencies and their minor units are the platform's one table (``crm_chassis.currencies``):
    a currency outside it is refused, never given a guessed number of decimal digits."""

    amount: Decimal
    currency: str

    @classmethod
    def parse(cls, amount: str, currency: str, *, field: str = "amount") -> Money:
        text = (amount or "").strip()
        code = check_currency(currency, field=f"{field}.currency")
        if not _AMOUNT.match(text):
            raise InvalidArgument(
                f"{field}: amount must be a decimal string such as 1234.50 "
                f"(no exponent, no separators), got {amount!r}",
                field=f"{field}.amount",
            )
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex already guarantees a decimal
            raise InvalidArgument(f"{field}: not a decimal: {amount!r}", field=field) from None
        digits = minor_units(code)
        # The regex admits finite decimals only: the exponent is an int, never 'n', 'N' or 'F'.
        exponent_of = value.as_tuple().exponent
        assert isinstance(exponent_of, int)
        exponent = -exponent_of if exponent_of < 0 else 0
        if exponent > digits:
            raise InvalidArgument(
                f"{field}: {code} has {digits} decimal digits, {text} has {exponent}",
                field=f"{field}.amount",
            )
        return cls(value, code)

    def text(self) -> str:
        """The amount with its currency's decimal digits (``1234.50`` EUR, ``1200`` JPY). A stored
        amount whose currency is outside the table is written exactly as stored: the stored
        decimal is exact, and no number of digits is guessed for it."""
        if self.currency not in MINOR_UNITS:
            return str(self.amount)
        return f"{self.amount:.{minor_units(self.currency)}f}"


_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar reporting period: a year ("2026"), a quarter ("2026-Q1") or a month ("2026-03")."""

    start: dt.date
    end: dt.date  # exclusive
    label: str

    @classmethod
    def parse(cls, label: str, *, field: str = "period") -> Period:
        match = _PERIOD.match((label or "").strip())
        if not match:
            raise InvalidArgument(
                f"{field}: use YYYY, YYYY-Qn or YYYY-MM, got {label!r}", field=field
            )
        year, part = int(match.group(1)), match.group(2)
        if not 2000 <= year <= 2999:
            raise InvalidArgument(f"{field}: year {year} is outside 2000..2999", field=field)
        if part is None:
            return cls(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), f"{year}")
        if part.startswith("Q"):
            first = (int(part[1]) - 1) * 3 + 1
            return cls(dt.date(year, first, 1), _add_months(year, first, 3), f"{year}-{part}")
        month = int(part)
        if not 1 <= month <= 12:
            raise InvalidArgument(f"{field}: month must be 01..12, got {part}", field=field)
        return cls(dt.date(year, month, 1), _add_months(year, month, 1), f"{year}-{month:02d}")


def _add_months(year: int, month: int, months: int) -> dt.date:
    index = year * 12 + (month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def problem(exc: CrmError, default_field: str) -> tuple[str, str]:
    """One entry of a ValidationErrors list from a refusal whose message may already start with
    its field (``rules[0].conditions[0].attribute: unknown attribute``): the list prints
    ``field: reason``, so the field is said once."""
    field = exc.field or default_field
    reason = exc.message
    for prefix in (f"{field}: ", f"{field} "):
        if reason.startswith(prefix):
            reason = reason[len(prefix) :]
            break
    return field, reason


def require_text(value: str, field: str, *, max_length: int = 200) -> str:
    """Trimmed non-empty text of at most ``max_length`` characters."""
    text = (value or "").strip()
    if not text:
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidArgument(
            f"{field} must be at most {max_length} characters, got {len(text)}", field=field
        )
    return text


def check_version(expected: int | None, actual: int, what: str) -> None:
    """Optimistic concurrency: refuse a change made against a stale copy."""
    if expected and expected != actual:
        raise FailedPrecondition(
            f"{what} changed meanwhile: you edited version {expected}, it is "
            f"now at version {actual}; reload and try again",
            details={"expected_version": str(expected), "actual_version": str(actual)},
        )
