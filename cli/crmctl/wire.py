"""Proto values as people type and read them, once for every command: enum words, money,
instants. The conventions are the chassis's (crm_chassis.wire), so crmctl reads and writes
exactly what the services do.

* Enums follow the proto convention: every value of ``enum RoutingStrategy`` is prefixed
  ``ROUTING_STRATEGY_`` and value 0 is ``..._UNSPECIFIED``. A person types and reads the rest of
  the name in lower case: ``round_robin`` (or ``round-robin`` where a group of commands writes
  words with hyphens); ``""`` stands for unspecified.
* Money is an exact decimal string and an ISO 4217 code, typed ``"1200.50 EUR"`` (or only the
  amount where the record's currency is known) and printed the same way; it is checked by the
  rules the services apply (crm_chassis.wire.money) before anything is sent.
* Instants are ISO 8601; a date alone is its midnight, a time without an offset is UTC.
"""

from __future__ import annotations

import datetime as dt

import click
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_chassis.wire.money import from_proto
from crmctl.session import CliError

# ---------------------------------------------------------------------------- enums
# The words and the checks are crm_chassis.wire.enums' (the services read the same words);
# crmctl adds the hyphen spelling some groups of commands print and take (``round-robin``).


def enum_prefix(enum_type) -> str:
    """``RoutingStrategy`` -> ``ROUTING_STRATEGY_`` (a nested ``User.Status`` -> ``STATUS_``)."""
    return enums.prefix_of(enum_type) + "_"


def enum_words(enum_type, *, separator: str = "_") -> dict[str, int]:
    """Every specified value of ``enum_type`` by its word: ``{"round_robin": 1, ...}``."""
    return {
        word.replace("_", separator): enums.number_of(enum_type, word, "value")
        for word in enums.words(enum_type)
    }


def enum_word(enum_type, value: int | str, *, separator: str = "_") -> str:
    """The word of ``value`` (a number, or the name JSON output carries); "" when unspecified.
    A number this crmctl does not know (a newer server) is shown as the number."""
    if isinstance(value, str):
        if not value:
            return ""
        try:
            value = enum_type.Value(value)
        except ValueError:
            return value
    try:
        return enums.word_of(enum_type, value, "value").replace("_", separator)
    except InvalidArgument:
        return str(value)


def enum_value(enum_type: enums.ProtoEnum[int], word: str | None, *, separator: str = "_") -> int:
    """The value a person's word names (any case, ``-`` or ``_``; "" or None: unspecified); a
    CliError listing the words for any other."""
    del separator  # both spellings are read
    try:
        return enums.number_of(enum_type, (word or "").strip().replace("-", "_"), "")
    except InvalidArgument as exc:
        raise CliError(exc.message.strip()) from None


def enum_choice(enum_type, *, separator: str = "_") -> click.Choice:
    """A click choice of the words of ``enum_type`` (any case)."""
    return click.Choice(list(enum_words(enum_type, separator=separator)), case_sensitive=False)


# ---------------------------------------------------------------------------- money
def money(text: str, default_currency: str = "") -> money_pb2.Money:
    """``"1200.50 EUR"`` (or ``"1200.50"`` when ``default_currency`` is the record's) as Money,
    checked as the services check it (crm_chassis.wire.money: a plain decimal, a supported
    ISO 4217 currency, no more decimals than the currency has) and sent as typed."""
    parts = (text or "").split()
    if len(parts) not in (1, 2):
        raise CliError(f"'{text}' is not an amount with a currency; write e.g. '1200.50 EUR'")
    amount = parts[0]
    currency = (parts[1] if len(parts) == 2 else default_currency).strip().upper()
    if not currency:
        raise CliError(f"name the currency of '{text}', e.g. '{amount} EUR'")
    value = money_pb2.Money(amount=amount, currency=currency)
    try:
        from_proto(value, "amount")  # refuses what a service would refuse
    except InvalidArgument as exc:
        raise CliError(
            f"'{text}' is not an amount with a currency ({exc.message}); write e.g. '1200.50 EUR'"
        ) from None
    return value


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
        raise CliError(
            f"{option}: {text!r} is not an ISO 8601 time, e.g. 2026-07-01 or 2026-07-01T09:00+02:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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
    return value.ToDatetime(tzinfo=dt.UTC).isoformat(timespec="seconds")
