import datetime as dt
from decimal import Decimal

import pytest

from crm_chassis.errors import InvalidArgument
from crm_territory.domain.values import Money, Period


def test_money_is_exact_decimal():
    m = Money.parse("1234.50", "eur")
    assert m.amount == Decimal("1234.50") and m.currency == "EUR"
    assert m.text() == "1234.50"
    assert Money.parse("0.1", "EUR").amount + Money.parse("0.2", "EUR").amount == Decimal("0.3")


@pytest.mark.parametrize(
    "amount,currency,needle",
    [
        ("1e5", "EUR", "decimal string"),
        ("1,000.00", "EUR", "decimal string"),
        ("12.345", "EUR", "EUR has 2 decimal digits"),
        ("10.5", "JPY", "JPY has 0"),
        ("10", "EURO", "ISO 4217"),
        ("", "EUR", "decimal string"),
    ],
)
def test_money_refuses_malformed_amounts(amount, currency, needle):
    with pytest.raises(InvalidArgument) as err:
        Money.parse(amount, currency)
    assert needle in err.value.message


def test_money_allows_three_digit_currencies():
    assert Money.parse("1.125", "KWD").text() == "1.125"


@pytest.mark.parametrize(
    "label,start,end",
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
    ],
)
def test_periods(label, start, end):
    p = Period.parse(label)
    assert (p.start, p.end, p.label) == (start, end, label)


@pytest.mark.parametrize("label", ["26", "2026-13", "2026-Q5", "2026-1", "1999", "Q1-2026"])
def test_bad_periods(label):
    with pytest.raises(InvalidArgument) as err:
        Period.parse(label)
    assert err.value.field == "period"


@pytest.mark.parametrize("amount,currency", [("10.00", "XYZ"), ("1.5", "ABC"), ("7", "EURO")])
def test_money_refuses_a_currency_outside_the_platform_table(amount, currency):
    # The platform's one currency table (crm_chassis.currencies) decides: a currency it does not
    # list is refused, never given a guessed 2 decimal digits.
    with pytest.raises(InvalidArgument) as err:
        Money.parse(amount, currency)
    assert "not a supported ISO 4217 currency" in err.value.message
    assert err.value.field == "amount.currency"


def test_money_uses_the_platform_minor_units():
    # Currencies the table lists with other than 2 digits: 0 for CLP, 3 for BHD.
    assert Money.parse("1200", "CLP").text() == "1200"
    with pytest.raises(InvalidArgument) as err:
        Money.parse("1200.5", "CLP")
    assert "CLP has 0 decimal digits" in err.value.message
    assert Money.parse("2.5", "BHD").text() == "2.500"


def test_a_time_zone_name_too_long_for_a_file_name_is_invalid_argument():
    # ZoneInfo looks the name up as a file: a 300-character name raised OSError (INTERNAL).
    from crm_territory.domain.teams import parse_timezone

    with pytest.raises(InvalidArgument, match="time_zone"):
        parse_timezone("Ω" * 300)
