"""ISO 4217 currencies the platform accepts, with their minor units. Pure Python.

One table for every service (catalog pricing, deals quotes/orders/invoices, territory targets,
leads' budgets): a wrong exponent silently mis-rounds every amount, so a currency outside this
table is refused rather than guessed.

:data:`ACTIVE` is ISO 4217 list one as published (amendment 179): every active currency and
fund code with a numeric minor unit. Codes whose minor unit ISO gives as "N.A." (gold, silver,
SDR, the testing code XTS, "no currency" XXX) are left out: they cannot price anything exactly.
:data:`WITHDRAWN` holds codes withdrawn recently enough that migrated history is still written
in them (a deal won in Croatian kuna in 2021); they are accepted so that such history keeps its
original amounts. The Iranian rial (IRR) has ISO minor unit 2 and is stored as such.

**IRT (toman) is a display unit, never a currency on the wire.** Iran quotes prices in tomans
(1 toman = 10 rials) although every legal amount is in rials. :func:`display_amount` writes IRR
amounts in tomans for a locale that uses them (:data:`TOMAN_LOCALES`); an amount sent as "IRT"
is refused with a message that says to send rials. Storing only IRR keeps every sum exact and
every amount comparable with the bank's.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, localcontext

from crm_chassis.errors import InvalidArgument


def _codes(codes: str, digits: int) -> dict[str, int]:
    return dict.fromkeys(codes.split(), digits)


#: ISO 4217 list one: code -> number of minor-unit digits.
ACTIVE: dict[str, int] = {
    **_codes(
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP "
        "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
        "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES "
        "KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR "
        "MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD "
        "RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP "
        "TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG",
        2,
    ),
    **_codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF", 0),
    **_codes("BHD IQD JOD KWD LYD OMR TND", 3),
    **_codes("CLF UYW", 4),
}

#: Withdrawn codes still accepted for migrated history: code -> minor-unit digits.
WITHDRAWN: dict[str, int] = {
    "ANG": 2,  # Netherlands Antillean guilder, replaced by XCG in 2025
    "BGN": 2,  # Bulgarian lev, replaced by EUR in 2026
    "CUC": 2,  # Cuban convertible peso, withdrawn 2021
    "HRK": 2,  # Croatian kuna, replaced by EUR in 2023
    "SLL": 2,  # Sierra Leonean leone (old), replaced by SLE
    "ZWL": 2,  # Zimbabwe dollar, replaced by ZWG in 2024
}

#: Every code the platform accepts -> number of minor-unit digits.
MINOR_UNITS: dict[str, int] = {**ACTIVE, **WITHDRAWN}

#: Locales that show rial amounts in tomans (lower-case language[_territory]).
TOMAN_LOCALES = frozenset({"fa", "fa_ir"})
#: Rials in one toman.
RIALS_PER_TOMAN = 10

#: Codes people type that are not ISO 4217 codes, and what to send instead.
_NOT_ISO = {
    "IRT": "IRT (toman) is a display unit, not an ISO 4217 currency: send IRR amounts "
    "(1 toman = 10 rials)",
    "RMB": "RMB is not an ISO 4217 code: send CNY",
}


def check_currency(code: str, field: str = "currency") -> str:
    """The ISO 4217 code, upper-cased; InvalidArgument naming ``field`` when it is not accepted."""
    normalised = (code or "").strip().upper()
    if not normalised:
        raise InvalidArgument(f"{field} is required: an ISO 4217 code such as EUR", field=field)
    if normalised in _NOT_ISO:
        raise InvalidArgument(f"{field}: {_NOT_ISO[normalised]}", field=field)
    if normalised not in MINOR_UNITS:
        raise InvalidArgument(
            f"{field} '{code}' is not a supported ISO 4217 currency: an active code with a "
            "minor unit such as EUR, USD, IRR or JPY (`crmctl rates currencies` lists them)",
            field=field,
        )
    return normalised


def minor_units(currency: str) -> int:
    """Digits after the decimal point of ``currency``: 2 for EUR and IRR, 0 for JPY, 3 for KWD."""
    return MINOR_UNITS[currency]


@functools.cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def is_withdrawn(currency: str) -> bool:
    """Whether ``currency`` is accepted only for history (no longer on ISO 4217 list one)."""
    return currency in WITHDRAWN


def display_amount(amount: Decimal, currency: str, locale: str = "") -> str:
    """``amount`` as a person of ``locale`` reads it, with its unit: ``1234.50 EUR``; an IRR
    amount for a toman locale (``fa``, ``fa_IR``) in tomans, ``123.45 IRT``. Only for display:
    stored and transmitted amounts stay in rials."""
    key = locale.strip().replace("-", "_").casefold()
    with localcontext() as ctx:
        ctx.prec = 40
        if currency == "IRR" and key in TOMAN_LOCALES:
            tomans = (amount / RIALS_PER_TOMAN).quantize(Decimal("0.001"), ROUND_HALF_UP)
            return f"{tomans.normalize():f} IRT"
        exact = amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)
        return f"{exact:f} {currency}"
