"""Most specific price list wins: account > sales line > default; dated beats open-ended."""

from decimal import Decimal

import pytest

from crm_catalog.domain.price_lists import ScopeKind
from crm_catalog.service_layer import pricing
from crm_catalog.service_layer.pricing import LineInput


@pytest.fixture
def lists(build):
    group = build.bottles()
    wine = build.product(group)
    beer = build.product(group, sku="BEER")
    default = build.price_list("Standard")
    retail = build.price_list("Retail line", scope_kind=ScopeKind.SALES_LINES, scope_ids=["retail"])
    acme = build.price_list("ACME", scope_kind=ScopeKind.ACCOUNTS, scope_ids=["acme", "bigco"])
    for price_list, amount in ((default, "10.00"), (retail, "9.00"), (acme, "8.00")):
        build.item(price_list, wine, value=amount)
    build.item(default, beer, value="3.00")
    return dict(wine=wine, beer=beer, default=default, retail=retail, acme=acme, build=build)


def unit_price(deps, caller, clock, sku="WINE-RED", **context):
    result = pricing.price_quote_lines(
        deps,
        caller,
        currency="EUR",
        lines=[LineInput(unit="bottle", quantity="1", sku=sku)],
        **context,
    )
    line = result.lines[0]
    assert line.error is None, line.error and line.error.message
    return line.unit_price, line.choice.price_list.name, line.explanation[1]


@pytest.mark.parametrize(
    "context, expected",
    [
        ({}, "Standard"),
        ({"sales_line_id": "retail"}, "Retail line"),
        ({"sales_line_id": "wholesale"}, "Standard"),
        ({"account_id": "acme"}, "ACME"),
        ({"account_id": "acme", "sales_line_id": "retail"}, "ACME"),
        ({"account_id": "other", "sales_line_id": "retail"}, "Retail line"),
    ],
)
def test_scope_specificity(deps, lists, sales_rep, clock, context, expected):
    assert unit_price(deps, sales_rep, clock, **context)[1] == expected


def test_a_specific_list_without_the_product_falls_through(deps, lists, sales_rep, clock):
    price, name, _ = unit_price(deps, sales_rep, clock, sku="BEER", account_id="acme")
    assert (price, name) == (Decimal("3.00"), "Standard")


def test_the_explanation_names_the_lists_passed_over(deps, lists, sales_rep, clock):
    _, _, why = unit_price(deps, sales_rep, clock, account_id="acme", sales_line_id="retail")
    assert why.startswith(
        "price list 'ACME' (version 2, account-specific, valid always .. "
        "open end): the most specific"
    )
    assert "preferred over 'Retail line' (sales-line" in why and "'Standard' (default" in why


def test_a_seasonal_special_beats_the_open_ended_list_of_the_same_scope(
    deps, lists, sales_rep, clock
):
    build = lists["build"]
    christmas = build.price_list("Christmas", valid_from="2026-12-01", valid_to="2026-12-31")
    year = build.price_list("Year 2026", valid_from="2026-01-01", valid_to="2026-12-31")
    build.item(christmas, lists["wine"], value="7.00")
    build.item(year, lists["wine"], value="9.50")
    assert unit_price(deps, sales_rep, clock, pricing_date="2026-12-24")[1] == "Christmas"
    assert unit_price(deps, sales_rep, clock, pricing_date="2026-11-30")[1] == "Year 2026"
    assert unit_price(deps, sales_rep, clock, pricing_date="2027-01-01")[1] == "Standard"
    # scope still comes first: the key account keeps its own (open-ended) list at Christmas
    assert (
        unit_price(deps, sales_rep, clock, pricing_date="2026-12-24", account_id="acme")[1]
        == "ACME"
    )


def test_equal_candidates_are_decided_by_name_then_id(deps, lists, sales_rep, clock):
    build = lists["build"]
    twin = build.price_list("AAA duplicate")
    build.item(twin, lists["wine"], value="11.00")
    assert unit_price(deps, sales_rep, clock)[1] == "AAA duplicate"


def test_preference_order_in_the_domain():
    """Half-open lists count as open-ended; among them the later start wins."""
    import datetime as dt

    from crm_catalog.domain.price_lists import PriceList, Scope
    from crm_catalog.domain.selection import preference

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def make(name, valid_from=None, valid_to=None, scope=None):
        return PriceList.create(
            id=name,
            name=name,
            currency="EUR",
            valid_from=valid_from,
            valid_to=valid_to,
            scope=scope or Scope(),
            now=now,
        )

    lists = [
        make("open"),
        make("from March", dt.date(2026, 3, 1)),
        make("until June", valid_to=dt.date(2026, 6, 30)),
        make("Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        make("April", dt.date(2026, 4, 1), dt.date(2026, 4, 30)),
        make("lines", scope=Scope.create(ScopeKind.SALES_LINES, ["l1"])),
    ]
    ordered = [pl.name for pl in sorted(lists, key=preference)]
    assert ordered == ["lines", "April", "Q2", "from March", "open", "until June"]


def test_a_named_list_is_used_whatever_its_scope(deps, lists, sales_rep, clock):
    price, name, why = unit_price(deps, sales_rep, clock, price_list_id=lists["acme"].id)
    assert (price, name) == (Decimal("8.00"), "ACME") and why.endswith("named by the caller")
