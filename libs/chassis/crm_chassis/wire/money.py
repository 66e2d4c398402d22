"""``crm.common.v1.Money`` <-> an exact amount and its currency.

On the wire a Money is ``{amount: "1234.50", currency: "EUR"}``: a plain decimal string with at
most the currency's minor-unit digits, and an ISO 4217 code from :mod:`crm_chassis.currencies`.
A currency outside that table is refused, never guessed (a wrong exponent mis-rounds every
amount). Amounts leave the service with exactly the currency's minor-unit digits.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from google.protobuf.message import Message

from crm.common.v1 import money_pb2
from crm_chassis.currencies import check_currency, minor_unit, minor_units
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire.decimals import CONTEXT, decimals_of, parse_decimal


def format_amount(amount: Decimal, currency: str) -> str:
    """``amount`` with exactly the minor-unit digits of ``currency`` (half away from zero)."""
    return f"{amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP, context=CONTEXT):f}"


def to_proto(amount: Decimal, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount=format_amount(amount, currency), currency=currency)


def from_proto(
    message: money_pb2.Money, field: str, *, allow_negative: bool = False
) -> tuple[Decimal, str]:
    """(amount, currency) of ``message``; INVALID_ARGUMENT naming ``field`` (or
    ``<field>.currency``) for an unknown currency, a malformed amount, more decimal places than
    the currency has, or a negative amount unless ``allow_negative``."""
    currency = check_currency(message.currency, f"{field}.currency")
    digits = minor_units(currency)
    amount = parse_decimal(
        message.amount, f"{field}.amount", minimum=None if allow_negative else Decimal(0)
    )
    if decimals_of(amount) > digits:
        raise InvalidArgument(
            f"{field}.amount {message.amount} has more than {digits} decimal "
            f"places, the minor unit of {currency}",
            field=f"{field}.amount",
        )
    return amount.quantize(minor_unit(currency), context=CONTEXT), currency


def optional_from_proto(
    parent: Message, name: str, *, allow_negative: bool = False
) -> tuple[Decimal, str] | None:
    """The Money field ``name`` of ``parent``; None when it is unset."""
    if not parent.HasField(name):
        return None
    message: money_pb2.Money = getattr(parent, name)
    return from_proto(message, name, allow_negative=allow_negative)


def required_from_proto(
    parent: Message, name: str, *, allow_negative: bool = False
) -> tuple[Decimal, str]:
    """The Money field ``name`` of ``parent``; INVALID_ARGUMENT with an example when unset."""
    value = optional_from_proto(parent, name, allow_negative=allow_negative)
    if value is None:
        raise InvalidArgument(
            f'{name} is required, e.g. {{amount: "100.00", currency: "EUR"}}', field=name
        )
    return value
