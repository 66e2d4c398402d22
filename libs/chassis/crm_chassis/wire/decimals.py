"""Decimal numbers sent as strings ("12.50"): parsed strictly, never through a float.

A decimal on the wire is digits with an optional leading '-' and one '.'; no exponent, no
thousands separators, no NaN or Infinity, at most 15 integer digits. A value that breaks a rule
is refused with INVALID_ARGUMENT naming the field and saying what is wrong.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal, InvalidOperation

from crm_chassis.errors import InvalidArgument

#: The context decimal parsing and normalising run in (IEEE decimal128), independent of the
#: process's global decimal context.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

#: Largest absolute value accepted (15 integer digits).
MAX_MAGNITUDE = Decimal("1e15")

_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def decimals_of(value: Decimal) -> int:
    """Digits after the decimal point that carry information (1.50 -> 1, 2 -> 0)."""
    exponent = value.normalize(CONTEXT).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_decimal(
    text: str | Decimal | int,
    field: str,
    *,
    max_decimals: int | None = None,
    minimum: Decimal | None = None,
    allow_equal_minimum: bool = True,
    maximum: Decimal | None = None,
) -> Decimal:
    """``text`` as a Decimal, or INVALID_ARGUMENT naming ``field`` with what is wrong.

    ``max_decimals`` bounds the significant digits after the point; ``minimum`` (inclusive
    unless ``allow_equal_minimum`` is false) and ``maximum`` bound the value.
    """
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif isinstance(text, str):
        raw = text.strip()
        if not raw:
            raise InvalidArgument(
                f"{field} is required: a decimal number such as 12.50", field=field
            )
        if not _PLAIN_DECIMAL.fullmatch(raw):
            raise InvalidArgument(
                f"{field} '{text}' is not a plain decimal number "
                "(digits, an optional '-' and '.', e.g. 12.50)",
                field=field,
            )
        try:
            value = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            raise InvalidArgument(
                f"{field} '{text}' is not a decimal number", field=field
            ) from None
    else:
        raise InvalidArgument(
            f"{field} must be a decimal string, not {type(text).__name__}", field=field
        )
    if not value.is_finite():
        raise InvalidArgument(f"{field} must be a finite number", field=field)
    if abs(value) >= MAX_MAGNITUDE:
        raise InvalidArgument(
            f"{field} {value} is too large (at most 15 integer digits)", field=field
        )
    if max_decimals is not None and decimals_of(value) > max_decimals:
        raise InvalidArgument(
            f"{field} {value} has more than {max_decimals} decimal places", field=field
        )
    if minimum is not None and (value < minimum or (value == minimum and not allow_equal_minimum)):
        bound = "at least" if allow_equal_minimum else "greater than"
        raise InvalidArgument(f"{field} must be {bound} {minimum}, got {value}", field=field)
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{field} must be at most {maximum}, got {value}", field=field)
    return value


def format_decimal(value: Decimal) -> str:
    """A decimal without exponent and without insignificant trailing zeros (2.50 -> 2.5)."""
    text = f"{value.normalize(CONTEXT):f}"
    return "0" if text in ("-0", "") else text
