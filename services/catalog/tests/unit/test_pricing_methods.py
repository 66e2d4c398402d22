"""Every pricing method, with worked examples."""

from decimal import Decimal

import pytest

from crm_catalog.domain.pricing_methods import PricingMethod, check_value, compute
from crm_chassis.errors import InvalidArgument

FIGURES = {
    "list_price": Decimal("100.00"),
    "standard_cost": Decimal("60.00"),
    "current_cost": Decimal("64.00"),
}


@pytest.mark.parametrize(
    "method, value, expected",
    [
        (PricingMethod.CURRENCY_AMOUNT, "79.90", "79.90"),
        (PricingMethod.PERCENT_OF_LIST, "85", "85"),  # 85 % of 100
        (PricingMethod.PERCENT_OF_LIST, "112.5", "112.5"),
        (PricingMethod.MARKUP_STANDARD_COST, "40", "84"),  # 60 * 1.4
        (PricingMethod.MARKUP_CURRENT_COST, "25", "80"),  # 64 * 1.25
        (PricingMethod.MARKUP_CURRENT_COST, "-10", "57.6"),  # clearance below cost
        (PricingMethod.MARGIN_STANDARD_COST, "40", "100"),  # 60 / 0.6
        (PricingMethod.MARGIN_CURRENT_COST, "20", "80"),  # 64 / 0.8
    ],
)
def test_worked_examples(method, value, expected):
    price, note = compute(method, check_value(method, value, "EUR"), FIGURES, "EUR")
    assert price == Decimal(expected)
    assert note


def test_margin_with_a_repeating_result_stays_exact_until_currency_rounding():
    price, note = compute(PricingMethod.MARGIN_STANDARD_COST, Decimal(70), FIGURES, "EUR")
    assert price == Decimal(200)  # 60 / 0.3
    price, note = compute(PricingMethod.MARGIN_CURRENT_COST, Decimal(70), FIGURES, "EUR")
    assert price != price.quantize(Decimal("0.01"))  # not rounded yet
    assert price.quantize(Decimal("0.01")) == Decimal("213.33")  # 64 / 0.3 = 213.333...
    assert "at a 70 % margin" in note


def test_notes_say_how_the_price_was_obtained():
    _, note = compute(PricingMethod.MARKUP_STANDARD_COST, Decimal(40), FIGURES, "EUR")
    assert note == "standard cost 60.00 plus 40 % markup = 84"


@pytest.mark.parametrize(
    "method, value, message",
    [
        (PricingMethod.CURRENCY_AMOUNT, "-1", "at least 0"),
        (PricingMethod.CURRENCY_AMOUNT, "1.001", "more than 2 decimal places"),
        (PricingMethod.PERCENT_OF_LIST, "-5", "at least 0"),
        (PricingMethod.MARKUP_CURRENT_COST, "-100.5", "at least -100"),
        (PricingMethod.MARGIN_STANDARD_COST, "100", "below 100 %"),
        (PricingMethod.MARGIN_CURRENT_COST, "1.1234567", "more than 6 decimal places"),
    ],
)
def test_values_out_of_range_are_refused(method, value, message):
    with pytest.raises(InvalidArgument, match=message):
        check_value(method, value, "EUR")


def test_only_a_plain_amount_may_cross_currencies():
    assert not PricingMethod.CURRENCY_AMOUNT.needs_product_currency
    assert all(
        m.needs_product_currency for m in PricingMethod if m is not PricingMethod.CURRENCY_AMOUNT
    )
