"""The Iranian rial priced exactly with its ISO 4217 minor unit (two digits): list prices of
tens of billions of rials, percentages and volume discounts, all exact to the minor unit."""

from decimal import Decimal

import pytest

from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.service_layer import pricing
from crm_catalog.service_layer.pricing import LineInput
from crm_chassis.errors import InvalidArgument


@pytest.fixture
def rial_catalog(build):
    group = build.bottles()
    turbine = build.product(
        group,
        "TURBINE",
        list_price="42500000000.00",
        standard_cost="30000000000.00",
        current_cost="31000000000.50",
        currency="IRR",
    )
    volume = build.discounts(
        [{"low": "1", "high": "4", "value": "0"}, {"low": "5", "high": "", "value": "12.5"}],
        name="Fleet",
        type=DiscountType.PERCENTAGE,
    )
    rials = build.price_list("Tehran IRR", currency="IRR")
    build.item(
        rials,
        turbine,
        unit="bottle",
        method=PricingMethod.PERCENT_OF_LIST,
        value="97.3",
        discount_list_id=volume.id,
    )
    return rials


def test_a_rial_quote_is_exact_to_the_minor_unit(deps, rial_catalog, sales_rep):
    result = pricing.price_quote_lines(
        deps,
        sales_rep,
        currency="IRR",
        lines=[LineInput(unit="bottle", quantity="7", sku="TURBINE")],
    )
    line = result.lines[0]
    assert line.error is None
    assert line.unit_price == Decimal("41352500000.00")  # 97.3 % of 42,500,000,000.00
    assert line.gross == Decimal("289467500000.00")
    assert line.discount == Decimal("36183437500.00")  # 12.5 %
    assert line.extended == Decimal("253284062500.00")
    assert result.totals.net == Decimal("253284062500.00")
    assert str(line.extended.as_tuple().exponent) == "-2"  # two ISO digits, never more


def test_a_rial_amount_with_more_than_its_minor_digits_is_refused(build):
    with pytest.raises(InvalidArgument, match="more than 2 decimal places"):
        build.product(build.bottles(), "PUMP", list_price="1000.005", currency="IRR")


def test_a_toman_price_list_is_refused_with_what_to_send(build):
    with pytest.raises(InvalidArgument, match="send IRR amounts"):
        build.price_list("Tehran IRT", currency="IRT")
