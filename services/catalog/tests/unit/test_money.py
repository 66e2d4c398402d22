"""Exact decimals: strict parsing, currency minor units, half-away-from-zero rounding."""

from decimal import Decimal

import pytest

from crm_catalog.domain.money import parse_amount, to_minor_units
from crm_chassis.currencies import check_currency, minor_unit
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire.decimals import format_decimal, parse_decimal
from crm_chassis.wire.money import format_amount


@pytest.mark.parametrize("code, unit", [("EUR", "0.01"), ("jpy", "1"), ("KWD", "0.001")])
def test_minor_units_follow_iso_4217(code, unit):
    assert minor_unit(check_currency(code)) == Decimal(unit)


@pytest.mark.parametrize(
    "amount, currency, expected",
    [
        ("0.125", "EUR", "0.13"),
        ("0.135", "EUR", "0.14"),
        ("-0.125", "EUR", "-0.13"),
        ("2.5", "JPY", "3"),
        ("1.0005", "KWD", "1.001"),
        ("7", "EUR", "7.00"),
    ],
)
def test_currency_rounding_is_half_away_from_zero(amount, currency, expected):
    assert str(to_minor_units(Decimal(amount), currency)) == expected


def test_unknown_or_missing_currency_is_refused_with_the_reason():
    with pytest.raises(InvalidArgument, match="'XYZ' is not a supported ISO 4217 currency"):
        check_currency("XYZ")
    with pytest.raises(InvalidArgument, match="currency is required"):
        check_currency(" ")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "is required"),
        ("1e3", "not a plain decimal"),
        ("1,000.00", "not a plain decimal"),
        ("NaN", "not a plain decimal"),
        ("1.2.3", "not a plain decimal"),
        ("--1", "not a plain decimal"),
        ("1" * 16, "too large"),
    ],
)
def test_parse_decimal_is_strict(text, reason):
    with pytest.raises(InvalidArgument, match=reason) as caught:
        parse_decimal(text, "price")
    assert caught.value.field == "price"


def test_parse_decimal_bounds_and_places():
    assert parse_decimal(" 12.50 ", "x") == Decimal("12.50")
    with pytest.raises(InvalidArgument, match="more than 2 decimal places"):
        parse_decimal("1.234", "x", max_decimals=2)
    assert parse_decimal("1.2300", "x", max_decimals=2) == Decimal("1.23")  # zeros carry nothing
    with pytest.raises(InvalidArgument, match="greater than 0"):
        parse_decimal("0", "x", minimum=Decimal(0), allow_equal_minimum=False)
    with pytest.raises(InvalidArgument, match="at most 100"):
        parse_decimal("100.5", "x", maximum=Decimal(100))
    with pytest.raises(InvalidArgument, match="decimal string, not float"):
        parse_decimal(1.5, "x")  # floats never reach money


def test_amounts_have_at_most_the_currency_digits_and_are_never_negative():
    assert str(parse_amount("3.5", "EUR", "list_price")) == "3.50"
    with pytest.raises(InvalidArgument, match="list_price 3.505 has more than 2 decimal places"):
        parse_amount("3.505", "EUR", "list_price")
    with pytest.raises(InvalidArgument, match="more than 0 decimal places"):
        parse_amount("100.5", "JPY", "list_price")
    with pytest.raises(InvalidArgument, match="at least 0"):
        parse_amount("-1", "EUR", "list_price")


def test_formatting_has_no_exponent():
    assert format_amount(Decimal("1E+3"), "EUR") == "1000.00"
    assert format_decimal(Decimal("2.500")) == "2.5"
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("-0")) == "0"


@pytest.mark.parametrize(
    "text", ["12.50", "0.00", "0", "1200", "0.001", "999999999999999.99", "1E+3", "5E-7"]
)
def test_amount_text_is_the_plain_exact_form(text):
    from crm_catalog.domain.money import amount_text

    assert amount_text(Decimal(text)) == f"{Decimal(text):f}"
