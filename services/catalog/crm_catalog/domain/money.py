"""Exact decimal arithmetic for money and quantities. No float ever touches an amount.

Amounts are ``decimal.Decimal`` values computed in one explicit context (34 significant digits,
IEEE decimal128) so results never depend on the process's global decimal context. An amount
becomes a currency amount by :func:`to_minor_units`, which rounds half away from zero (the
commercial convention: 0.125 EUR -> 0.13 EUR) to the currency's minor unit.
"""
from __future__ import annotations

import decimal
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crm_chassis.currencies import MINOR_UNITS, check_currency, minor_unit  # noqa: F401
from crm_chassis.errors import InvalidArgument

#: The context every intermediate money computation runs in.
ARITHMETIC = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN,
                             traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                    decimal.Overflow])

#: What a plain decimal string may consist of (checked before Decimal() sees it).
_PLAIN_DECIMAL_CHARACTERS = re.compile(r"[0-9.+-]+")

#: Largest absolute value accepted for any amount, percentage or quantity (15 integer digits).
MAX_MAGNITUDE = Decimal("1e15")


def to_minor_units(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half away from zero to the minor unit of ``currency``."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP, context=ARITHMETIC)


def decimals_of(value: Decimal) -> int:
    """Number of digits after the decimal point that carry information (1.50 -> 1, 2 -> 0)."""
    exponent = value.normalize(ARITHMETIC).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_decimal(text: str | Decimal | int, field: str, *, max_decimals: int | None = None,
                  minimum: Decimal | None = None, allow_equal_minimum: bool = True,
                  maximum: Decimal | None = None) -> Decimal:
    """Parse a decimal string strictly (no exponent, no separators, no NaN/Infinity).

    Raises InvalidArgument naming ``field`` and saying exactly what is wrong.
    """
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif isinstance(text, str):
        raw = text.strip()
        if not raw:
            raise InvalidArgument(f"{field} is required: a decimal number such as 12.50",
                                  field=field)
        if not _PLAIN_DECIMAL_CHARACTERS.fullmatch(raw) or raw.count(".") > 1:
            raise InvalidArgument(f"{field} '{text}' is not a plain decimal number "
                                  "(digits, an optional '-' and '.', e.g. 12.50)", field=field)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise InvalidArgument(f"{field} '{text}' is not a decimal number", field=field) from None
    else:
        raise InvalidArgument(f"{field} must be a decimal string, not {type(text).__name__}",
                              field=field)
    if not value.is_finite():
        raise InvalidArgument(f"{field} must be a finite number", field=field)
    if abs(value) >= MAX_MAGNITUDE:
        raise InvalidArgument(f"{field} {value} is too large (at most 15 integer digits)",
                              field=field)
    if max_decimals is not None and decimals_of(value) > max_decimals:
        raise InvalidArgument(f"{field} {value} has more than {max_decimals} decimal places",
                              field=field)
    if minimum is not None:
        if value < minimum or (value == minimum and not allow_equal_minimum):
            bound = "at least" if allow_equal_minimum else "greater than"
            raise InvalidArgument(f"{field} must be {bound} {minimum}, got {value}", field=field)
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{field} must be at most {maximum}, got {value}", field=field)
    return value


def parse_amount(text: str | Decimal, currency: str, field: str, *,
                 allow_zero: bool = True) -> Decimal:
    """A non-negative amount of ``currency`` with at most its minor-unit digits, exactly."""
    value = parse_decimal(text, field, max_decimals=MINOR_UNITS[currency], minimum=Decimal(0),
                          allow_equal_minimum=allow_zero)
    return value.quantize(minor_unit(currency), context=ARITHMETIC)


def format_amount(amount: Decimal, currency: str) -> str:
    """The wire form of an amount: exactly the currency's minor-unit digits, no exponent."""
    return f"{to_minor_units(amount, currency):f}"


def amount_text(amount: Decimal) -> str:
    """An amount already in minor units (every figure of a priced line) as plain text, e.g.
    12.50. ``str`` keeps the digits exactly and is four times faster than ``format(amount, "f")``
    (PriceQuote formats ~10 amounts a line); it switches to an exponent only for values no
    minor-unit rounding produces, which then take the slow path."""
    text = str(amount)
    return text if "E" not in text else f"{amount:f}"


def format_decimal(value: Decimal) -> str:
    """A decimal without exponent and without insignificant trailing zeros (2.50 -> 2.5)."""
    normalised = value.normalize(ARITHMETIC)
    text = f"{normalised:f}"
    return "0" if text in ("-0", "") else text
