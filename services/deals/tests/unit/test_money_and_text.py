from decimal import Decimal

import pytest

from crm.common.v1 import money_pb2
from crm_chassis.errors import InvalidArgument
from crm_deals.adapters import grpc_mapping
from crm_deals.domain.money import Money, total
from crm_deals.domain.text import clean_email, clean_phone, clean_text
from crm_deals.service_layer import event_messages


def parse(amount: str, currency: str, field: str = "amount") -> Money:
    """A Money field of a request, as deals reads it (the platform's wire rules)."""
    return grpc_mapping.money(money_pb2.Money(amount=amount, currency=currency), field)


def wire(money: Money) -> str:
    """The amount of the Money message deals answers and publishes."""
    return event_messages.money(money).amount


def test_money_parses_exact_decimals_and_keeps_them_exact():
    amounts = [parse("0.10", "EUR")] * 3
    assert total(amounts, "EUR") == Money(Decimal("0.30"), "EUR")
    assert wire(parse("1234.5", "EUR")) == parse("1234.5", "EUR").wire == "1234.50"
    assert wire(parse("-3", "JPY")) == "-3"
    assert wire(parse("1.005", "KWD")) == "1.005"
    assert parse("10", " eur ").currency == "EUR"  # one rule for every service (chassis)


@pytest.mark.parametrize(
    "amount,currency,message",
    [
        ("1.999", "EUR", "more than 2 decimal places"),
        ("1.5", "JPY", "more than 0 decimal places"),
        ("1e3", "EUR", "is not a plain decimal number"),
        ("1,000.00", "EUR", "is not a plain decimal number"),
        ("", "EUR", "decimal number"),
        ("10", "ABC", "not a supported ISO 4217 currency"),  # well-formed but not a currency
        ("10", "EURO", "ISO 4217"),
    ],
)
def test_money_refuses_bad_input_with_a_clear_message(amount, currency, message):
    with pytest.raises(InvalidArgument) as err:
        parse(amount, currency, field="estimated_revenue")
    assert message in err.value.message


def test_money_refuses_mixing_currencies_and_floats():
    with pytest.raises(InvalidArgument, match="cannot combine EUR and USD"):
        parse("1", "EUR") + parse("1", "USD")
    with pytest.raises(TypeError):
        Money(1.5, "EUR")


def test_text_email_and_phone_cleaning():
    assert clean_text("  Acme  ", "name", max_length=10) == "Acme"
    with pytest.raises(InvalidArgument, match="name is required"):
        clean_text("  ", "name", max_length=10, required=True)
    with pytest.raises(InvalidArgument, match="longer than 3"):
        clean_text("abcd", "name", max_length=3)
    with pytest.raises(InvalidArgument, match="control characters"):
        clean_text("a\x00b", "name", max_length=10)
    assert clean_email("Jo@Example.COM") == "Jo@example.com"
    with pytest.raises(InvalidArgument, match="not a valid e-mail"):
        clean_email("jo@")
    with pytest.raises(InvalidArgument, match="digits, spaces"):
        clean_phone("call me")
