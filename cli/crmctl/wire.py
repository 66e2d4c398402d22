"""Proto values as people type and read them, once for every command: enum words, money,
instants.

* Enums follow the proto convention: every value of ``enum RoutingStrategy`` is prefixed
  ``ROUTING_STRATEGY_`` and value 0 is ``..._UNSPECIFIED``. A person types and reads the rest of
  the name in lower case: ``round_robin`` (or ``round-robin`` where a group of commands writes
  words with hyphens); ``""`` stands for unspecified.
* Money is an exact decimal string and an ISO 4217 code, typed ``"1200.50 EUR"`` (or only the
  amount where the record's currency is known) and printed the same way. The amount is checked
  here as a decimal and sent as typed; the service checks the currency's digits.
* Instants are ISO 8601; a date alone is its midnight, a time without an offset is UTC.
"""
from __future__ import annotations

import datetime as dt
import re

import click
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2

from crmctl.session import CliError

# ---------------------------------------------------------------------------- enums


def enum_prefix(enum_type) -> str:
    """``RoutingStrategy`` -> ``ROUTING_STRATEGY_`` (a nested ``User.Status`` -> ``STATUS_``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_type.DESCRIPTOR.name).upper() + "_"


def enum_words(enum_type, *, separator: str = "_") -> dict[str, int]:
    """Every specified value of ``enum_type`` by its word: ``{"round_robin": 1, ...}``."""
    prefix = enum_prefix(enum_type)
    return {name.removeprefix(prefix).lower().replace("_", separator): value
            for name, value in enum_type.items() if value}


def enum_word(enum_type, value: int | str, *, separator: str = "_") -> str:
    """The word of ``value`` (a number, or the name JSON output carries); "" when unspecified."""
    name = value if isinstance(value, str) else (enum_type.Name(value) if value else "")
    word = name.removeprefix(enum_prefix(enum_type))
    return "" if not name or word == "UNSPECIFIED" else word.lower().replace("_", separator)


def enum_value(enum_type, word: str | None, *, separator: str = "_") -> int:
    """The value a person's word names (any case; "" or None: unspecified); a CliError listing
    the words for any other."""
    if not word:
        return 0
    words = enum_words(enum_type, separator=separator)
    found = words.get(word.strip().lower().replace("-" if separator == "_" else "_", separator))
    if found is None:
        raise CliError(f"'{word}' is not one of {', '.join(words)}")
    return found


def enum_choice(enum_type, *, separator: str = "_") -> click.Choice:
    """A click choice of the words of ``enum_type`` (any case)."""
    return click.Choice(list(enum_words(enum_type, separator=separator)), case_sensitive=False)


# ---------------------------------------------------------------------------- money
_MONEY = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]{3})?\s*$")


def money(text: str, default_currency: str = "") -> money_pb2.Money:
    """``"1200.50 EUR"`` (or ``"1200.50"`` when ``default_currency`` is the record's) as Money."""
    found = _MONEY.match(text or "")
    if not found:
        raise CliError(f"'{text}' is not an amount with a currency; write e.g. '1200.50 EUR'")
    currency = (found.group(2) or default_currency).upper()
    if not currency:
        raise CliError(f"name the currency of '{text}', e.g. '{found.group(1)} EUR'")
    return money_pb2.Money(amount=found.group(1), currency=currency)


def optional_money(text: str | None, default_currency: str = "") -> money_pb2.Money | None:
    """:func:`money`, or None when nothing was typed."""
    return money(text, default_currency) if text else None


def money_text(value: money_pb2.Money) -> str:
    """``"1200.50 EUR"``; "" for an unset amount."""
    return f"{value.amount} {value.currency}".strip() if value.currency or value.amount else ""


# ---------------------------------------------------------------------------- instants
def instant(text: str | None, option: str) -> dt.datetime | None:
    """An ISO 8601 date or time as an aware datetime (UTC unless it names an offset)."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO 8601 time, e.g. 2026-07-01 or "
                       "2026-07-01T09:00+02:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def timestamp(text: str | None, option: str) -> Timestamp | None:
    """:func:`instant` as a protobuf Timestamp, or None when nothing was typed."""
    moment = instant(text, option)
    if moment is None:
        return None
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def time_text(value: Timestamp) -> str:
    """A Timestamp as ISO 8601 in UTC to the second; "" when unset."""
    if not value.seconds and not value.nanos:
        return ""
    return value.ToDatetime(tzinfo=dt.timezone.utc).isoformat(timespec="seconds")
