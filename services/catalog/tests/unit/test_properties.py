"""Property-based tests (hypothesis): totals equal the sum of the lines, no discount makes a
price negative, every figure is an exact currency amount, and pricing is deterministic."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.domain.price_lists import PriceList
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import Product
from crm_catalog.domain.quote import LineRequest, PricingData, price_quote
from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_catalog.domain.selection import QuoteContext
from crm_catalog.domain.units import UnitGroup
from crm_chassis.currencies import MINOR_UNITS
from crm_chassis.wire.decimals import decimals_of

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CURRENCIES = ["EUR", "JPY", "KWD"]


def amounts(currency, max_value=100000):
    return st.decimals(min_value=0, max_value=max_value, places=MINOR_UNITS[currency])


@st.composite
def tier_sets(draw, currency, kind):
    """Contiguous tiers from a random start, with random widths and values."""
    count = draw(st.integers(1, 5))
    low = draw(st.integers(0, 20))
    raw = []
    for index in range(count):
        width = draw(st.integers(0, 30))
        high = low + width
        last = index == count - 1
        if kind is DiscountType.PERCENTAGE:
            value = draw(st.decimals(min_value=0, max_value=100, places=2))
        else:
            value = draw(amounts(currency, 500))
        raw.append(
            {
                "low": str(low),
                "high": "" if last and draw(st.booleans()) else str(high),
                "value": str(value),
            }
        )
        low = high + 1
    return raw


@st.composite
def rounding_policies(draw, currency):
    mode = draw(st.sampled_from(list(RoundingMode)))
    if mode is RoundingMode.NONE:
        return RoundingPolicy.none()
    option = draw(st.sampled_from(list(RoundingOption)))
    step = draw(
        st.decimals(
            min_value=Decimal(1).scaleb(-MINOR_UNITS[currency]),
            max_value=100,
            places=MINOR_UNITS[currency],
        )
    )
    return RoundingPolicy.create(mode, option, step, currency)


@st.composite
def quotes(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    group = UnitGroup.create(id="g", name="Bottles", base_unit="bottle", now=NOW)
    group.add_unit("6-pack", "6", "bottle", NOW)
    group.add_unit("case", "4", "6-pack", NOW)
    group.add_unit("half", "0.5", "bottle", NOW)
    price_list = PriceList.create(id="pl", name="Standard", currency=currency, now=NOW)
    products, discount_lists, lines = {}, {}, []
    for index in range(draw(st.integers(1, 6))):
        product = Product.create(
            id=f"p{index}",
            sku=f"SKU-{index}",
            name="P",
            unit_group=group,
            default_unit=draw(st.sampled_from(["bottle", "6-pack", "case", "half"])),
            currency=currency,
            list_price=str(draw(amounts(currency))),
            standard_cost=str(draw(amounts(currency))),
            current_cost=str(draw(amounts(currency))),
            quantity_decimals=draw(st.integers(0, 3)),
            now=NOW,
        )
        product.activate(NOW)
        products[product.id] = product
        method = draw(st.sampled_from(list(PricingMethod)))
        value = {
            PricingMethod.CURRENCY_AMOUNT: draw(amounts(currency)),
            PricingMethod.PERCENT_OF_LIST: draw(st.decimals(0, 500, places=3)),
        }.get(method, draw(st.decimals(-100, 99, places=3)))
        discount_list = None
        if draw(st.booleans()):
            kind = draw(st.sampled_from(list(DiscountType)))
            discount_list = DiscountList.create(
                id=f"d{index}",
                name="Volume",
                type=kind,
                currency=currency if kind is DiscountType.AMOUNT else "",
                tiers=draw(tier_sets(currency, kind)),
                now=NOW,
            )
            discount_lists[discount_list.id] = discount_list
        unit = draw(st.sampled_from(["bottle", "6-pack", "case", "half"]))
        price_list.set_item(
            product=product,
            unit_group=group,
            unit=unit,
            method=method,
            value=value,
            rounding=draw(rounding_policies(currency)),
            discount_list=discount_list,
            now=NOW,
        )
        for _ in range(draw(st.integers(1, 3))):
            quantity = draw(st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3))
            lines.append(LineRequest(product_id=product.id, unit=unit, quantity=str(quantity)))
    data = PricingData(
        products=products,
        unit_groups={"g": group},
        price_lists=[price_list],
        discount_lists=discount_lists,
    )
    context = QuoteContext(currency=currency, pricing_date=NOW.date(), as_of=NOW)
    return lines, data, context


@settings(max_examples=300, deadline=None)
@given(quotes())
def test_totals_equal_the_sum_of_the_lines(quote):
    lines, data, context = quote
    priced, totals = price_quote(lines, data, context)
    ok = [line for line in priced if line.priced]
    assert totals.net == sum((line.extended for line in ok), Decimal(0))
    assert totals.gross == sum((line.gross for line in ok), Decimal(0))
    assert totals.discount == sum((line.discount for line in ok), Decimal(0))
    assert totals.gross - totals.discount == totals.net
    assert totals.priced_lines + totals.failed_lines == len(lines)


@settings(max_examples=300, deadline=None)
@given(quotes())
def test_no_discount_makes_a_price_negative(quote):
    lines, data, context = quote
    priced, _ = price_quote(lines, data, context)
    digits = MINOR_UNITS[context.currency]
    for line in priced:
        if not line.priced:
            # only fractional quantities on whole-unit products may fail here
            assert line.error.code.value == "invalid_quantity"
            continue
        assert line.unit_price >= 0
        assert 0 <= line.discount <= line.gross
        assert line.extended >= 0
        assert line.extended == line.gross - line.discount
        for figure in (line.unit_price, line.gross, line.discount, line.extended):
            assert decimals_of(figure) <= digits


@settings(max_examples=100, deadline=None)
@given(quotes())
def test_pricing_is_deterministic(quote):
    lines, data, context = quote
    first, first_totals = price_quote(lines, data, context)
    second, second_totals = price_quote(lines, data, context)
    assert first_totals == second_totals
    assert [(line.unit_price, line.extended, line.explanation) for line in first] == [
        (line.unit_price, line.extended, line.explanation) for line in second
    ]
