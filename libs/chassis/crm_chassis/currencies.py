"""ISO 4217 currencies the platform accepts, with their minor units. Pure Python.

One table for every service: a wrong exponent silently mis-rounds every amount, so a currency
outside this table is refused rather than guessed. Add a currency here (with its ISO 4217 minor
unit) and every service accepts it.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from crm_chassis.errors import InvalidArgument

#: ISO 4217 code -> number of minor-unit digits.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BGN": 2,
    "BHD": 3,
    "BIF": 0,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DJF": 0,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "GNF": 0,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "MAD": 2,
    "MXN": 2,
    "MYR": 2,
    "NGN": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PEN": 2,
    "PHP": 2,
    "PLN": 2,
    "PYG": 0,
    "QAR": 2,
    "RON": 2,
    "RSD": 2,
    "RWF": 0,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "UAH": 2,
    "UGX": 0,
    "USD": 2,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "ZAR": 2,
}


def check_currency(code: str, field: str = "currency") -> str:
    """The ISO 4217 code, upper-cased; InvalidArgument naming ``field`` when it is not accepted."""
    normalised = (code or "").strip().upper()
    if not normalised:
        raise InvalidArgument(f"{field} is required: an ISO 4217 code such as EUR", field=field)
    if normalised not in MINOR_UNITS:
        raise InvalidArgument(
            f"{field} '{code}' is not a supported ISO 4217 currency "
            f"(supported: {', '.join(sorted(MINOR_UNITS))})",
            field=field,
        )
    return normalised


def minor_units(currency: str) -> int:
    """Digits after the decimal point of ``currency``: 2 for EUR, 0 for JPY, 3 for KWD."""
    return MINOR_UNITS[currency]


@functools.cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])
