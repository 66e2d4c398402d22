"""Rounding policies, with worked examples for every mode and option."""

from decimal import Decimal

import pytest

from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_chassis.errors import InvalidArgument

UP, DOWN, NEAREST, NONE = (
    RoundingMode.UP,
    RoundingMode.DOWN,
    RoundingMode.NEAREST,
    RoundingMode.NONE,
)
MULTIPLE, ENDING = RoundingOption.MULTIPLE, RoundingOption.ENDING


def rounded(mode, option, amount, price, currency="EUR"):
    policy = RoundingPolicy.create(mode, option, amount, currency)
    return str(policy.apply(Decimal(price), currency)[0])


@pytest.mark.parametrize(
    "mode, price, expected",
    [
        (UP, "12.34", "12.35"),
        (DOWN, "12.34", "12.30"),
        (NEAREST, "12.34", "12.35"),
        (NEAREST, "12.32", "12.30"),
        (NEAREST, "12.325", "12.35"),  # a tie goes up
        (UP, "12.30", "12.30"),
        (DOWN, "12.30", "12.30"),  # a multiple stays
        (UP, "12.3000001", "12.35"),
    ],
)
def test_to_a_multiple_of_five_cents(mode, price, expected):
    assert rounded(mode, MULTIPLE, "0.05", price) == expected


@pytest.mark.parametrize(
    "mode, price, expected",
    [
        (UP, "1234", "1300"),
        (DOWN, "1234", "1200"),
        (NEAREST, "1250", "1300"),
        (NEAREST, "1249.99", "1200"),
    ],
)
def test_to_a_multiple_of_a_hundred(mode, price, expected):
    assert rounded(mode, MULTIPLE, "100", price) == expected + ".00"


@pytest.mark.parametrize(
    "mode, price, expected",
    [
        (UP, "12.34", "12.99"),
        (DOWN, "12.34", "11.99"),
        (NEAREST, "12.34", "11.99"),
        (NEAREST, "12.60", "12.99"),
        (NEAREST, "12.49", "12.99"),  # 11.99 and 12.99: tie goes up
        (UP, "12.99", "12.99"),
        (DOWN, "12.99", "12.99"),
        (UP, "13.00", "13.99"),
    ],
)
def test_to_an_ending_of_99_cents(mode, price, expected):
    assert rounded(mode, ENDING, "0.99", price) == expected


@pytest.mark.parametrize(
    "mode, price, expected",
    [
        (UP, "123.45", "129.99"),
        (DOWN, "123.45", "119.99"),
        (NEAREST, "123.45", "119.99"),
        (NEAREST, "125.00", "129.99"),
    ],
)
def test_to_an_ending_of_9_99(mode, price, expected):
    assert rounded(mode, ENDING, "9.99", price) == expected


def test_rounding_never_goes_below_zero_and_says_so():
    policy = RoundingPolicy.create(DOWN, ENDING, "0.99", "EUR")
    price, note = policy.apply(Decimal("0.50"), "EUR")
    assert price == Decimal("0.99")
    assert "below zero" in note
    nearest = RoundingPolicy.create(NEAREST, ENDING, "0.99", "EUR")
    assert nearest.apply(Decimal("0.10"), "EUR")[0] == Decimal("0.99")


def test_in_a_currency_without_minor_units():
    assert rounded(UP, ENDING, "99", "1234.4", "JPY") == "1299"
    assert rounded(NEAREST, MULTIPLE, "10", "1234.4", "JPY") == "1230"


def test_no_policy_rounds_half_up_to_the_minor_unit():
    assert RoundingPolicy.none().apply(Decimal("1.005"), "EUR") == (Decimal("1.01"), "")
    policy = RoundingPolicy.create(NONE, None, "", "EUR")
    assert policy == RoundingPolicy.none()


def test_invalid_policies_are_refused_with_the_field():
    with pytest.raises(InvalidArgument, match="rounding.option is required"):
        RoundingPolicy.create(UP, None, "0.05", "EUR")
    with pytest.raises(InvalidArgument, match="more than 2 decimal places"):
        RoundingPolicy.create(UP, MULTIPLE, "0.005", "EUR")  # finer than a cent
    with pytest.raises(InvalidArgument, match="greater than 0"):
        RoundingPolicy.create(UP, MULTIPLE, "0", "EUR")
    with pytest.raises(InvalidArgument, match="more than 0 decimal places"):
        RoundingPolicy.create(UP, ENDING, "0.99", "JPY")


def test_describe():
    assert (
        RoundingPolicy.create(UP, ENDING, "0.99", "EUR").describe() == "rounded up to end in 0.99"
    )
    assert (
        RoundingPolicy.create(NEAREST, MULTIPLE, "0.05", "EUR").describe()
        == "rounded nearest to a multiple of 0.05"
    )
