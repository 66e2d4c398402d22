"""PriceQuote's memo of unit prices: a remembered line prices and explains exactly like a fresh
one, and any change of what it depends on (a new version) is a new key, never a stale hit."""

import dataclasses
from decimal import Decimal

import pytest

from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.service_layer import pricing, products
from crm_catalog.service_layer.pricing import LineInput


class Memo:
    def __init__(self):
        self.entries, self.hits = {}, 0

    def get(self, key):
        found = self.entries.get(key)
        self.hits += found is not None
        return found

    def put(self, key, value):
        self.entries[key] = value


@pytest.fixture
def wine(build):
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts(
        [{"low": "1", "high": "9", "value": "0"}, {"low": "10", "high": "", "value": "5"}]
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
    build.item(standard, wine, unit="bottle", value="11.50")
    return wine


def _quote(deps, caller, clock, memo, *lines):
    return pricing.price_quote_lines(
        dataclasses.replace(deps, unit_prices=memo), caller, lines=list(lines), currency="EUR"
    )


def _figures(result):
    return [
        (
            line.error and line.error.code,
            line.list_price,
            line.unit_price,
            line.gross,
            line.discount,
            line.extended,
            line.explanation,
        )
        for line in result.lines
    ]


def test_a_remembered_unit_price_prices_and_explains_like_a_fresh_one(deps, sales_rep, clock, wine):
    lines = [LineInput(sku="WINE-RED", unit="case", quantity=str(q)) for q in (1, 12)] + [
        LineInput(sku="WINE-RED", unit="bottle", quantity="3"),
        LineInput(sku="WINE-RED", unit="crate", quantity="1"),
    ]
    fresh = _quote(deps, sales_rep, clock, None, *lines)
    memo = Memo()
    first = _quote(deps, sales_rep, clock, memo, *lines)
    again = _quote(deps, sales_rep, clock, memo, *lines)
    assert _figures(first) == _figures(fresh) == _figures(again)
    assert len(memo.entries) == 2 and memo.hits == 1 + 3  # case twice in each quote, bottle
    assert again.lines[1].unit_price == Decimal("259.99") and again.lines[1].discount > 0


def test_a_new_product_version_is_a_new_key(deps, manager, sales_rep, clock, wine):
    memo = Memo()
    line = LineInput(sku="WINE-RED", unit="case", quantity="1")
    before = _quote(deps, sales_rep, clock, memo, line)
    products.update_product(deps, manager, id=wine.id, changes={"list_price": "20.00"})
    after = _quote(deps, sales_rep, clock, memo, line)
    assert before.lines[0].list_price == 288 and after.lines[0].list_price == 480
    assert len(memo.entries) == 2 and memo.hits == 0


def test_a_remembered_line_has_the_same_message_as_a_fresh_one(
    deps, manager, sales_rep, clock, wine
):
    from crm_catalog.adapters.grpc_mapping_pricing import price_quote_response

    products.retire_product(deps, manager, id=wine.id)
    lines = [
        LineInput(sku="WINE-RED", unit=unit, quantity=str(q), existing_line=True)
        for unit, q in (("case", 1), ("case", 12), ("bottle", 3), ("case", 50))
    ]
    lines.append(LineInput(sku="WINE-RED", unit="case", quantity="2"))  # new line: refused
    memo = Memo()
    fresh = price_quote_response(_quote(deps, sales_rep, clock, None, *lines))
    warm = [price_quote_response(_quote(deps, sales_rep, clock, memo, *lines)) for _ in range(2)]
    assert memo.hits and list(fresh.lines) == list(warm[0].lines) == list(warm[1].lines)
    assert fresh.totals == warm[1].totals and fresh.totals.failed_lines == 1
    assert "already on the quote" in warm[1].lines[0].explanation[1]
