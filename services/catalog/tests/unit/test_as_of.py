"""Re-pricing "as of": the same lines at the same instant give the same result, whatever the
catalog became since."""

import datetime as dt
from decimal import Decimal

from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.service_layer import discount_lists, price_lists, products, unit_groups
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines


def figures(result):
    return [
        (
            line.error and line.error.code,
            line.list_price,
            line.unit_price,
            line.gross,
            line.discount,
            line.extended,
            tuple(line.explanation),
        )
        for line in result.lines
    ] + [result.totals]


def test_requote_as_of_ignores_every_later_change(deps, build, manager, sales_rep, clock):
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts([{"low": "1", "high": "", "value": "10"}])
    standard = build.price_list("Standard")
    build.item(
        standard,
        wine,
        unit="case",
        method=PricingMethod.PERCENT_OF_LIST,
        value="95",
        discount_list_id=volume.id,
    )
    lines = [
        LineInput(unit="case", quantity="3", sku="WINE-RED"),
        LineInput(unit="6-pack", quantity="1", sku="WINE-RED"),
    ]
    original = price_quote_lines(deps, sales_rep, lines=lines, currency="EUR")
    as_of = original.context.as_of

    clock.advance(dt.timedelta(days=30))
    products.update_product(deps, manager, id=wine.id, changes={"list_price": "15.00"})
    discount_lists.update_discount_list(
        deps, manager, id=volume.id, tiers=[{"low": "1", "high": "", "value": "50"}]
    )
    price_lists.set_price_list_item(
        deps,
        manager,
        price_list_id=standard.id,
        product_id=wine.id,
        unit="6-pack",
        method=PricingMethod.CURRENCY_AMOUNT,
        value="60.00",
    )
    special = build.price_list("ACME")
    build.item(special, wine, unit="case", value="1.00")
    unit_groups.add_unit(
        deps, manager, unit_group_id=group.id, name="pallet", quantity="50", of_unit="case"
    )
    products.retire_product(deps, manager, id=wine.id)

    today = price_quote_lines(deps, sales_rep, lines=lines, currency="EUR")
    assert figures(today) != figures(original)
    again = price_quote_lines(deps, sales_rep, lines=lines, currency="EUR", as_of=as_of)
    assert figures(again) == figures(original)
    assert original.lines[0].unit_price == Decimal("273.60")  # 95 % of 288.00
    assert original.lines[1].error.code.value == "no_price"  # no 6-pack price back then


def test_a_product_created_after_as_of_did_not_exist(deps, build, sales_rep, clock):
    before = clock.now()
    group = build.bottles()
    build.product(group)
    result = price_quote_lines(
        deps,
        sales_rep,
        currency="EUR",
        as_of=before,
        lines=[LineInput(unit="bottle", quantity="1", sku="WINE-RED")],
    )
    assert "existed as of 2026-03-02 09:00:01 UTC" in result.lines[0].error.message


def test_as_of_defaults_to_now_and_the_pricing_date_to_its_day(deps, build, sales_rep, clock):
    build.bottles()
    result = price_quote_lines(
        deps, sales_rep, currency="EUR", lines=[LineInput(unit="bottle", quantity="1", sku="X")]
    )
    assert result.context.as_of == clock.current
    assert result.context.pricing_date == dt.date(2026, 3, 2)
