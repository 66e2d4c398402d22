import datetime as dt
from decimal import Decimal

import pytest

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_chassis.exchange import Rate, RateTable, convert_at, parse_rate

D = dt.date


def table(*rates):
    t = RateTable()
    for base, quote, on, value in rates:
        t.add(Rate(base, quote, on, Decimal(value), "ECB"))
    return t


def test_conversion_takes_the_rate_of_the_date_and_shows_it():
    t = table(
        ("EUR", "USD", D(2026, 1, 1), "1.0800"),
        ("EUR", "USD", D(2026, 4, 1), "1.1000"),
    )
    march = t.convert(Decimal("100.00"), "EUR", "USD", D(2026, 3, 31))
    assert march.converted == Decimal("108.00") and march.rate_date == D(2026, 1, 1)
    april = t.convert(Decimal("100.00"), "EUR", "USD", D(2026, 4, 1))
    assert april.converted == Decimal("110.00") and april.rate == Decimal("1.1000")
    assert april.explain() == "1 EUR = 1.1 USD (rate of 2026-04-01)"


def test_no_rate_before_the_first_one_is_an_error_naming_the_command():
    t = table(("EUR", "USD", D(2026, 1, 1), "1.08"))
    with pytest.raises(FailedPrecondition, match="crmctl rates set EUR USD"):
        t.convert(Decimal(1), "EUR", "USD", D(2025, 12, 31))
    with pytest.raises(FailedPrecondition, match="no USD->JPY"):
        t.convert(Decimal(1), "USD", "JPY", D(2026, 6, 1))


def test_the_opposite_pair_is_inverted_and_said_so():
    t = table(("USD", "IRR", D(2026, 1, 1), "420000"))
    c = t.convert(Decimal("84000000.00"), "IRR", "USD", D(2026, 2, 1))
    assert c.converted == Decimal("200.00") and c.inverse
    assert "inverse" in c.explain()
    # IRR keeps its ISO minor units: two digits
    assert t.convert(Decimal("1.50"), "USD", "IRR", D(2026, 2, 1)).converted == Decimal("630000.00")


def test_the_more_recent_of_both_directions_wins_and_the_same_date_replaces():
    t = table(
        ("EUR", "USD", D(2026, 1, 1), "1.08"),
        ("USD", "EUR", D(2026, 2, 1), "0.8"),
        ("EUR", "USD", D(2026, 2, 1), "1.20"),
    )
    assert t.convert(Decimal(10), "EUR", "USD", D(2026, 2, 2)).rate == Decimal("1.20")
    t.add(Rate("EUR", "USD", D(2026, 2, 1), Decimal("1.25")))
    assert t.convert(Decimal(10), "EUR", "USD", D(2026, 2, 2)).converted == Decimal("12.50")


def test_rounding_is_half_away_from_zero_to_the_target_minor_unit():
    rate = Rate("EUR", "JPY", D(2026, 1, 1), Decimal("160.5"))
    assert convert_at(Decimal("0.01"), "EUR", "JPY", rate, D(2026, 1, 2)).converted == Decimal(2)
    kwd = Rate("EUR", "KWD", D(2026, 1, 1), Decimal("0.33335"))
    c = convert_at(Decimal("1.00"), "EUR", "KWD", kwd, D(2026, 1, 1))
    assert c.converted == Decimal("0.333")


def test_same_currency_needs_no_rate():
    c = RateTable().convert(Decimal("5.00"), "EUR", "EUR", D(2026, 1, 1))
    assert c.converted == Decimal("5.00") and c.rate == 1 and c.rate_date is None


@pytest.mark.parametrize(
    "text", ["0", "-1.2", "abc", "NaN", "1.12345678901", "1E+25", "9" * 21, "Infinity"]
)
def test_bad_rates_are_refused_naming_the_field(text):
    with pytest.raises(InvalidArgument) as err:
        parse_rate(text, "rates[2].rate")
    assert err.value.field == "rates[2].rate"


def test_a_rate_keeps_its_digits():
    assert parse_rate(" 1.0850 ") == Decimal("1.0850")
