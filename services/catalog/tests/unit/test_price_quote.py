"""PriceQuote through the use case: worked examples, explanations, per-line errors."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.domain.selection import LineErrorCode
from crm_catalog.service_layer import pricing, products
from crm_catalog.service_layer.pricing import LineInput
from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied


@pytest.fixture
def catalog(build):
    """Wine at 12.00 EUR a bottle (cost 6.00 standard, 7.50 current); Standard EUR list with
    a 90 % of list price per case rounded up to .99 and a volume discount."""
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts(
        [
            {"low": "1", "high": "9", "value": "0"},
            {"low": "10", "high": "49", "value": "5"},
            {"low": "50", "high": "", "value": "10"},
        ]
    )
    standard = build.price_list("Standard")
    build.item(
        standard,
        wine,
        unit="case",
        method=PricingMethod.PERCENT_OF_LIST,
        value="90",
        rounding_mode=RoundingMode.UP,
        rounding_option=RoundingOption.ENDING,
        rounding_amount="0.99",
        discount_list_id=volume.id,
    )
    build.item(standard, wine, unit="bottle", method=PricingMethod.CURRENCY_AMOUNT, value="11.50")
    return dict(group=group, wine=wine, volume=volume, standard=standard)


def quote(deps, caller, clock, *lines, **context):
    context.setdefault("currency", "EUR")
    return pricing.price_quote_lines(deps, caller, lines=list(lines), **context)


def line(unit, quantity, sku="WINE-RED", **extra):
    return LineInput(unit=unit, quantity=quantity, sku=sku, **extra)


def test_worked_example_with_every_step_explained(deps, catalog, sales_rep, clock):
    result = quote(deps, sales_rep, clock, line("case", "12"))
    priced = result.lines[0]
    assert priced.error is None
    assert priced.list_price == Decimal("288.00")  # 12.00 x 24 bottles
    assert priced.unit_price == Decimal("259.99")  # 90 % = 259.20, up to .99
    assert priced.gross == Decimal("3119.88")  # 259.99 x 12
    assert priced.discount == Decimal("155.99")  # 5 % = 155.994
    assert priced.extended == Decimal("2963.89")
    assert priced.tier_index == 1 and priced.choice.price_list.name == "Standard"
    assert priced.explanation == [
        "product WINE-RED 'Product WINE-RED' (version 2); 1 case = 24 bottle",
        "price list 'Standard' (version 3, default, valid always .. open end): the most "
        "specific of the lists pricing WINE-RED in case",
        "list price 288.00 EUR per case = 12.00 per bottle x 24",
        "unit price 259.99 EUR: 90 % of list price 288.00 = 259.2, rounded up to end in 0.99",
        "gross 3119.88 = 259.99 x 12 case",
        "discount 155.99: discount list 'Volume' (version 1), tier 10 to 49 (5 % off) = "
        "5 % of 3119.88",
        "extended amount 2963.89 EUR = 3119.88 - 155.99",
    ]
    assert result.totals.net == Decimal("2963.89") and result.complete


# 10 cases: 5 % of 2599.90 = 129.995, rounded half up to 130.00
@pytest.mark.parametrize(
    "quantity, discount", [("9", "0.00"), ("10", "130.00"), ("49", "636.98"), ("50", "1299.95")]
)
def test_tier_boundaries_on_a_quote(deps, catalog, sales_rep, clock, quantity, discount):
    priced = quote(deps, sales_rep, clock, line("case", quantity)).lines[0]
    assert priced.discount == Decimal(discount)
    assert priced.extended == priced.gross - priced.discount


def test_unit_conversion_with_a_repeating_ratio(deps, build, sales_rep, clock, catalog):
    six_pack_wine = build.product(
        catalog["group"], sku="SIXER", list_price="10.00", default_unit="6-pack"
    )
    build.item(
        catalog["standard"],
        six_pack_wine,
        unit="bottle",
        method=PricingMethod.PERCENT_OF_LIST,
        value="100",
    )
    priced = quote(deps, sales_rep, clock, line("bottle", "5", sku="SIXER")).lines[0]
    assert priced.list_price == Decimal("1.67")  # 10.00 / 6 = 1.666.., to the cent
    assert priced.unit_price == Decimal("1.67")
    assert priced.gross == Decimal("8.35")
    assert (
        "1.67 EUR per bottle = 10.00 per 6-pack x 0.1666666666666666666666666666666667"
        in priced.explanation[2]
    )


@pytest.mark.parametrize(
    "method, value, unit_price",
    [
        (PricingMethod.MARKUP_CURRENT_COST, "20", "9.00"),  # 7.50 x 1.2
        (PricingMethod.MARKUP_STANDARD_COST, "50", "9.00"),  # 6.00 x 1.5
        (PricingMethod.MARGIN_CURRENT_COST, "40", "12.50"),  # 7.50 / 0.6
        (PricingMethod.MARGIN_STANDARD_COST, "30", "8.57"),  # 6.00 / 0.7 = 8.5714..
        (PricingMethod.PERCENT_OF_LIST, "33.333", "4.00"),  # 12.00 x 0.33333 = 3.99996
        (PricingMethod.CURRENCY_AMOUNT, "0", "0.00"),
    ],
)  # free of charge is allowed
def test_each_method_on_a_quote(deps, build, catalog, sales_rep, clock, method, value, unit_price):
    build.item(catalog["standard"], catalog["wine"], unit="bottle", method=method, value=value)
    priced = quote(deps, sales_rep, clock, line("bottle", "3")).lines[0]
    assert priced.unit_price == Decimal(unit_price)
    assert priced.gross == Decimal(unit_price) * 3


@pytest.mark.parametrize(
    "currency, list_price, percent, expected",
    [
        ("JPY", "1234", "33", "407"),  # 407.22 -> 407 (no minor unit)
        ("KWD", "10.005", "50", "5.003"),  # 5.0025 -> 5.003 (three decimals, half up)
        ("EUR", "0.05", "50", "0.03"),
    ],
)  # 0.025 -> 0.03
def test_currency_rounding(
    deps, build, catalog, sales_rep, clock, currency, list_price, percent, expected
):
    product = build.product(
        catalog["group"],
        sku=f"P-{currency}",
        list_price=list_price,
        currency=currency,
        standard_cost="1",
        current_cost="1",
    )
    price_list = build.price_list(f"List {currency}", currency=currency)
    build.item(price_list, product, method=PricingMethod.PERCENT_OF_LIST, value=percent)
    result = quote(
        deps, sales_rep, clock, line("bottle", "1", sku=f"P-{currency}"), currency=currency
    )
    assert str(result.lines[0].unit_price) == expected


def test_amount_discount_per_unit_is_capped_at_the_unit_price(
    deps, build, catalog, sales_rep, clock
):
    big_off = build.discounts(
        [{"low": "1", "high": "", "value": "20.00"}],
        name="20 off",
        type=DiscountType.AMOUNT,
        currency="EUR",
    )
    build.item(
        catalog["standard"],
        catalog["wine"],
        unit="bottle",
        value="11.50",
        discount_list_id=big_off.id,
    )
    priced = quote(deps, sales_rep, clock, line("bottle", "4")).lines[0]
    assert (priced.gross, priced.discount, priced.extended) == (
        Decimal("46.00"),
        Decimal("46.00"),
        Decimal("0.00"),
    )
    assert "capped at the unit price" in priced.explanation[-2]


def test_every_line_error_is_reported_on_its_line(deps, build, catalog, sales_rep, clock, manager):
    retired = build.product(catalog["group"], sku="OLD")
    build.item(catalog["standard"], retired)
    products.retire_product(deps, manager, id=retired.id)
    build.product(catalog["group"], sku="DRAFT", activate=False)
    build.product(catalog["group"], sku="NOPRICE")
    result = quote(
        deps,
        sales_rep,
        clock,
        line("case", "2"),
        line("case", "-1"),
        line("case", "1.5"),
        line("case", "abc"),
        line("crate", "1"),
        line("bottle", "1", sku="GHOST"),
        line("bottle", "1", sku="bad sku!"),
        line("bottle", "1", sku="OLD"),
        line("bottle", "1", sku="DRAFT"),
        line("bottle", "1", sku="NOPRICE"),
        line("6-pack", "1"),
    )
    codes = [line.error.code if line.error else None for line in result.lines]
    assert codes == [
        None,
        LineErrorCode.INVALID_QUANTITY,
        LineErrorCode.INVALID_QUANTITY,
        LineErrorCode.INVALID_QUANTITY,
        LineErrorCode.UNKNOWN_UNIT,
        LineErrorCode.PRODUCT_NOT_FOUND,
        LineErrorCode.PRODUCT_NOT_FOUND,
        LineErrorCode.PRODUCT_NOT_SELLABLE,
        LineErrorCode.PRODUCT_NOT_SELLABLE,
        LineErrorCode.NO_PRICE,
        LineErrorCode.NO_PRICE,
    ]
    messages = [line.error.message for line in result.lines[1:]]
    assert messages[0] == "quantity must be greater than zero, got -1"
    assert messages[1] == "product WINE-RED sells in whole units only; quantity 1.5 is not allowed"
    assert (
        "unit 'crate' is not in unit group 'Bottles' (its units: bottle, 6-pack, case)"
        in messages[3]
    )
    assert "no product 'GHOST' existed as of" in messages[4]
    assert "retired on" in messages[6] and "cannot be added to new quotes" in messages[6]
    assert "is a draft" in messages[7]
    assert "no price list applicable to this quote prices NOPRICE in bottle" in messages[8]
    assert all(line.extended == 0 for line in result.lines[1:])
    assert result.totals.priced_lines == 1 and result.totals.failed_lines == 10
    assert result.totals.net == result.lines[0].extended and not result.complete


def test_retired_product_stays_priced_on_existing_lines(
    deps, build, catalog, sales_rep, clock, manager
):
    products.retire_product(deps, manager, id=catalog["wine"].id)
    result = quote(
        deps, sales_rep, clock, line("bottle", "2", existing_line=True), line("bottle", "2")
    )
    assert result.lines[0].error is None and result.lines[0].extended == Decimal("23.00")
    assert "already on the quote" in result.lines[0].explanation[1]
    assert result.lines[1].error.code is LineErrorCode.PRODUCT_NOT_SELLABLE


def test_expired_price_list_and_currency_mismatch_are_line_errors(
    deps, build, catalog, sales_rep, clock, pricer
):
    from crm_catalog.service_layer import price_lists

    price_lists.update_price_list(
        deps, pricer, id=catalog["standard"].id, changes={"valid_to": "2026-02-28"}
    )
    expired = quote(deps, sales_rep, clock, line("case", "1")).lines[0]
    assert expired.error.code is LineErrorCode.PRICE_LIST_NOT_VALID
    assert expired.error.message.endswith(
        "price list 'Standard' expired on 2026-02-28 (pricing date 2026-03-02)"
    )
    on_time = quote(deps, sales_rep, clock, line("case", "1"), pricing_date="2026-02-28")
    assert on_time.lines[0].error is None
    named = quote(
        deps, sales_rep, clock, line("case", "1"), price_list_id=catalog["standard"].id, currency=""
    )
    assert named.lines[0].error.code is LineErrorCode.PRICE_LIST_NOT_VALID
    dollars = quote(
        deps, sales_rep, clock, line("case", "1"), currency="USD", pricing_date="2026-02-01"
    )
    assert dollars.lines[0].error.code is LineErrorCode.CURRENCY_MISMATCH
    assert "priced only in EUR, not in the quote's currency USD" in dollars.lines[0].error.message
    mismatch = quote(
        deps,
        sales_rep,
        clock,
        line("case", "1"),
        currency="USD",
        price_list_id=catalog["standard"].id,
        pricing_date="2026-02-01",
    )
    assert (
        mismatch.lines[0].error.message
        == "price list 'Standard' is in EUR, but the quote is in USD"
    )


def test_named_price_list(deps, build, catalog, sales_rep, clock):
    other = build.price_list("Other")
    named = quote(deps, sales_rep, clock, line("case", "1"), price_list_id=other.id, currency="")
    assert named.context.currency == "EUR"
    assert named.lines[0].error.code is LineErrorCode.NO_PRICE
    assert "it does not price WINE-RED at all" in named.lines[0].error.message
    build.item(other, catalog["wine"], unit="bottle", value="9.00")
    partial = quote(deps, sales_rep, clock, line("case", "1"), price_list_id=other.id)
    assert "(it prices WINE-RED in: bottle)" in partial.lines[0].error.message
    with pytest.raises(NotFound, match="no price list with id 'nope' existed"):
        quote(deps, sales_rep, clock, line("case", "1"), price_list_id="nope")


@pytest.mark.parametrize(
    "context, message",
    [
        (dict(currency=""), "context.currency is required when no price list is named"),
        (dict(currency="EURO"), "not a supported ISO 4217"),
        (dict(pricing_date="01/03/2026"), "context.pricing_date '01/03/2026' is not a date"),
        (dict(as_of=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)), "is in the future"),
        (dict(as_of=dt.datetime(2026, 1, 1)), "must carry a time zone"),
    ],
)
def test_bad_requests_are_refused_as_a_whole(deps, catalog, sales_rep, clock, context, message):
    with pytest.raises(InvalidArgument, match=message):
        quote(deps, sales_rep, clock, line("case", "1"), **context)


def test_line_count_limits(deps, catalog, sales_rep, clock):
    with pytest.raises(InvalidArgument, match="at least one line"):
        quote(deps, sales_rep, clock)
    with pytest.raises(InvalidArgument, match="at most 1000 lines, got 1001"):
        quote(deps, sales_rep, clock, *[line("case", "1")] * 1001)


def test_who_may_price(deps, catalog, clock, marketer, admin, deals_service, pricer):
    for caller in (marketer, admin):
        with pytest.raises(PermissionDenied, match="sales and management departments"):
            quote(deps, caller, clock, line("case", "1"))
    for caller in (deals_service, pricer):
        assert quote(deps, caller, clock, line("case", "1")).complete


@pytest.mark.parametrize(
    "unit, quantity",
    [
        ("bottle", "3"),  # no discount list on the item
        ("case", "1"),
    ],
)  # the list's 0 % tier
def test_a_line_without_discount_shows_it_with_the_currency_minor_digits(
    deps, catalog, sales_rep, clock, unit, quantity
):
    result = quote(deps, sales_rep, clock, line(unit, quantity))
    priced = result.lines[0]
    assert priced.error is None
    assert str(priced.discount) == "0.00" and priced.discount_text == "0.00"
    assert priced.explanation[-1].endswith(f"= {priced.gross_text} - 0.00")
    assert str(result.totals.discount) == "0.00"


def test_an_empty_quote_totals_carry_the_currency_minor_digits(deps, catalog, sales_rep, clock):
    totals = quote(deps, sales_rep, clock, line("case", "1", sku="NO-SUCH-SKU")).totals
    assert (str(totals.gross), str(totals.discount), str(totals.net)) == ("0.00", "0.00", "0.00")
