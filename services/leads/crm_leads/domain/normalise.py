"""Normalisation of captured values: each function returns the canonical form or raises
:class:`Invalid` with a reason a person can act on (the caller adds the field name).

Why these libraries: phone numbers follow Google's libphonenumber metadata (``phonenumbers``),
countries and currencies the ISO tables shipped by ``pycountry``; both are data, not I/O.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers
import pycountry

from crm_chassis import currencies


class Invalid(ValueError):
    """A value that cannot be normalised; ``reason`` is the message for a person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def text(value: object, *, max_length: int) -> str:
    """Trimmed text with inner whitespace collapsed; too long is an error, not a truncation."""
    result = " ".join(str(value or "").split())
    if len(result) > max_length:
        raise Invalid(f"is {len(result)} characters long; at most {max_length} are allowed")
    return result


def email(value: object) -> str:
    """Trimmed and lower-cased (the whole address: mail systems treat it case-insensitively)."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    if len(raw) > 254:
        raise Invalid("is longer than 254 characters, the limit of an e-mail address")
    if not _EMAIL.match(raw):
        raise Invalid(f"'{raw}' is not an e-mail address; expected the form name@example.com")
    return raw.lower()


def phone(value: object, country: str = "") -> str:
    """E.164 form. A national number needs the lead's country; an international one starts
    with +."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        if not raw.startswith("+") and not country:
            raise Invalid(
                f"'{raw}' has no country code; write it as +<country code><number> "
                "or give the lead's country"
            ) from None
        raise Invalid(f"'{raw}' is not a phone number; check the digits") from None
    if not phonenumbers.is_valid_number(parsed):
        region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
        region = region if region not in ("ZZ", "001") else f"+{parsed.country_code}"
        raise Invalid(
            f"'{raw}' is not a valid phone number for {region}; check the digits "
            "and the country code"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country(value: object) -> str:
    """ISO 3166-1 alpha-2, from an alpha-2 or alpha-3 code or an English name."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        raise Invalid(
            f"'{raw}' is not a country; use an ISO 3166-1 code such as DE, US or "
            "GBR, or the English name"
        ) from None


def currency(value: object) -> str:
    """A currency the platform accepts (one ISO 4217 table for every service: the chassis')."""
    raw = str(value or "").strip().upper()
    if raw not in currencies.MINOR_UNITS:
        raise Invalid(f"'{raw}' is not a supported ISO 4217 currency code such as EUR or USD")
    return raw


minor_units = currencies.minor_units


def decimal_amount(value: object, currency_code: str, *, allow_negative: bool = False) -> Decimal:
    """An exact amount: plain decimal notation, at most the currency's minor-unit digits."""
    raw = str(value if value is not None else "").strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise Invalid(
            f"'{raw}' is not an amount; write digits with an optional '.' and "
            "decimals, no thousands separators, e.g. 1250000.00"
        )
    try:
        amount = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern above excludes it
        raise Invalid(f"'{raw}' is not an amount") from None
    if amount < 0 and not allow_negative:
        raise Invalid(f"'{raw}' is negative; an amount here must be 0 or more")
    digits = minor_units(currency_code)
    exponent = amount.as_tuple().exponent  # an int: the pattern above allows no NaN or infinity
    if isinstance(exponent, int) and -exponent > digits:
        raise Invalid(f"'{raw}' has more than {digits} decimals, the minor unit of {currency_code}")
    return amount


def money_text(value: object) -> tuple[Decimal, str]:
    """Parse "1250000 EUR" (amount then currency) into an exact amount and a currency code."""
    parts = str(value or "").split()
    if len(parts) != 2:
        raise Invalid(f"'{value}' is not an amount with a currency; write e.g. '1250000 EUR'")
    code = currency(parts[1])
    return decimal_amount(parts[0], code), code


def website(value: object) -> str:
    """https://host[/path], host lower-cased; a bare host name gets https:// put in front."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    candidate = raw if "://" in raw else "https://" + raw
    parts = urlsplit(candidate)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or "." not in host or " " in raw:
        raise Invalid(
            f"'{raw}' is not a web address; expected e.g. example.com or https://example.com/about"
        )
    path = parts.path.rstrip("/")
    if len(host) + len(path) > 300:
        raise Invalid("is longer than 300 characters")
    return f"{parts.scheme}://{host}{path}"


def slug(value: object, *, max_length: int = 80) -> str:
    """Lower-case words joined by '-', e.g. "Financial Services" -> "financial-services"."""
    folded = fold(str(value or ""))
    result = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(result) > max_length:
        raise Invalid(f"is {len(result)} characters long; at most {max_length} are allowed")
    return result


def fold(value: str) -> str:
    """Case- and accent-insensitive form for comparisons ("Müller" == "muller")."""
    if value.isascii():  # most names and e-mails: nothing to decompose (a capture folds ~13)
        return value.casefold()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_TRUE = {"1", "true", "yes", "y", "on", "x", "ja", "oui", "si"}
_FALSE = {"", "0", "false", "no", "n", "off", "nein", "non"}


def flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raw = str(value or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise Invalid(f"'{value}' is not yes/no; use true or false")
