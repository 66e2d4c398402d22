"""Price lists: header rules, scopes, items and their checks against products and currencies."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.price_lists import ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.service_layer import price_lists
from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

D = dt.date


def test_create_with_dates_and_scope(uow, deps, pricer, clock):
    special = price_lists.create_price_list(
        deps,
        pricer,
        name="ACME 2026",
        currency="eur",
        valid_from="2026-01-01",
        valid_to="2026-12-31",
        scope_kind=ScopeKind.ACCOUNTS,
        scope_ids=[" acme ", "", "acme"],
    )
    assert special.currency == "EUR" and special.scope.ids == frozenset({"acme"})
    assert special.is_valid_on(D(2026, 12, 31)) and not special.is_valid_on(D(2027, 1, 1))
    assert (
        special.validity_problem(D(2027, 1, 1))
        == "price list 'ACME 2026' expired on 2026-12-31 (pricing date 2027-01-01)"
    )
    assert "valid from 2026-01-01, not on 2025-12-31" in special.validity_problem(D(2025, 12, 31))
    event = uow.emitted[-1][1]
    assert uow.emitted[-1][0] == "price_list_changed"
    assert event.price_list.scope.kind == 3 and list(event.price_list.scope.ids) == ["acme"]


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(scope_kind=ScopeKind.SALES_LINES, scope_ids=[]), "needs at least one sales line id"),
        (dict(scope_kind=ScopeKind.DEFAULT, scope_ids=["x"]), "applies to everyone"),
        (dict(currency="XXX"), "not a supported ISO 4217"),
        (dict(valid_from="2026-05-01", valid_to="2026-04-30"), "before valid_from"),
        (dict(name=" "), "name is required"),
    ],
)
def test_bad_price_lists(deps, pricer, fields, message):
    values = dict(name="L", currency="EUR")
    values.update(fields)
    with pytest.raises(InvalidArgument, match=message):
        price_lists.create_price_list(deps, pricer, **values)


def test_update_header(uow, deps, build, pricer, clock):
    standard = build.price_list()
    updated = price_lists.update_price_list(
        deps,
        pricer,
        id=standard.id,
        expected_version=1,
        changes={
            "name": "Standard 2026",
            "valid_to": "2026-12-31",
            "scope": (ScopeKind.SALES_LINES, ["wine-retail"]),
        },
    )
    assert (updated.name, updated.valid_to, updated.scope.kind) == (
        "Standard 2026",
        D(2026, 12, 31),
        ScopeKind.SALES_LINES,
    )
    assert list(uow.emitted[-1][1].changed_fields) == ["name", "valid_to", "scope"]
    with pytest.raises(InvalidArgument, match="cannot update currency"):
        price_lists.update_price_list(deps, pricer, id=standard.id, changes={"currency": "USD"})
    with pytest.raises(InvalidArgument, match="before valid_from"):
        price_lists.update_price_list(
            deps, pricer, id=standard.id, changes={"valid_from": "2027-01-01"}
        )


def test_items_are_set_replaced_and_removed(uow, deps, build, pricer, clock):
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts([{"low": "1", "high": "", "value": "5"}])
    standard = build.price_list()
    after = price_lists.set_price_list_item(
        deps,
        pricer,
        price_list_id=standard.id,
        product_id=wine.id,
        unit="CASE",
        method=PricingMethod.PERCENT_OF_LIST,
        value="90",
        rounding_mode=RoundingMode.UP,
        rounding_option=RoundingOption.ENDING,
        rounding_amount="0.99",
        discount_list_id=volume.id,
    )
    item = after.item_for(wine.id, "case")
    assert (item.unit, item.value, item.discount_list_id) == ("case", Decimal(90), volume.id)
    event_item = uow.emitted[-1][1].price_list.items[0]
    assert (event_item.method, event_item.value, event_item.rounding.amount) == (2, "90", "0.99")
    replaced = price_lists.set_price_list_item(
        deps,
        pricer,
        price_list_id=standard.id,
        product_id=wine.id,
        unit="case",
        method=PricingMethod.CURRENCY_AMOUNT,
        value="250",
    )
    assert len(replaced.items) == 1
    assert replaced.item_for(wine.id, "case").method is PricingMethod.CURRENCY_AMOUNT
    emitted = len(uow.emitted)
    same = price_lists.set_price_list_item(
        deps,
        pricer,
        price_list_id=standard.id,
        product_id=wine.id,
        unit="case",
        method=PricingMethod.CURRENCY_AMOUNT,
        value="250.00",
    )
    assert same.version == replaced.version and len(uow.emitted) == emitted  # no change
    removed = price_lists.remove_price_list_item(
        deps, pricer, price_list_id=standard.id, product_id=wine.id, unit="Case"
    )
    assert removed.items == {}
    with pytest.raises(NotFound, match="has no item for product"):
        price_lists.remove_price_list_item(
            deps, pricer, price_list_id=standard.id, product_id=wine.id, unit="case"
        )


def test_item_checks(deps, build, pricer, clock):
    group = build.bottles()
    wine = build.product(group)
    dollar_wine = build.product(group, sku="US-WINE", currency="USD")
    amount_off = build.discounts(
        [{"low": "1", "high": "", "value": "1"}],
        name="1 USD off",
        type=DiscountType.AMOUNT,
        currency="USD",
    )
    standard = build.price_list()

    def set_item(**overrides):
        values = dict(
            price_list_id=standard.id,
            product_id=wine.id,
            unit="bottle",
            method=PricingMethod.CURRENCY_AMOUNT,
            value="10",
        )
        values.update(overrides)
        return price_lists.set_price_list_item(deps, pricer, **values)

    with pytest.raises(InvalidArgument, match="unit 'crate' is not in unit group 'Bottles'"):
        set_item(unit="crate")
    with pytest.raises(FailedPrecondition, match="in USD, but price list 'Standard' is in EUR"):
        set_item(product_id=dollar_wine.id, method=PricingMethod.MARKUP_CURRENT_COST)
    set_item(product_id=dollar_wine.id, value="9.50")  # a plain EUR amount is fine
    with pytest.raises(FailedPrecondition, match="gives amounts in USD"):
        set_item(discount_list_id=amount_off.id)
    with pytest.raises(NotFound, match="no discount list with id 'nope'"):
        set_item(discount_list_id="nope")
    with pytest.raises(NotFound, match="no product with id 'nope'"):
        set_item(product_id="nope")
    with pytest.raises(InvalidArgument, match="item.method is required"):
        set_item(method=None)
    with pytest.raises(InvalidArgument, match="item.rounding.amount 0.001 has more than 2"):
        set_item(
            rounding_mode=RoundingMode.UP,
            rounding_option=RoundingOption.MULTIPLE,
            rounding_amount="0.001",
        )
    with pytest.raises(InvalidArgument, match="below 100 %"):
        set_item(method=PricingMethod.MARGIN_CURRENT_COST, value="100")


def test_list_filters(deps, build, sales_rep):
    build.price_list("Standard EUR")
    build.price_list("Standard USD", currency="USD")
    build.price_list("Christmas", valid_from="2026-12-01", valid_to="2026-12-31")

    def names(**f):
        return [pl.name for pl in price_lists.list_price_lists(deps, sales_rep, **f).items]

    assert names() == ["Christmas", "Standard EUR", "Standard USD"]
    assert names(currency="usd") == ["Standard USD"]
    assert names(valid_on="2026-06-01", currency="EUR") == ["Standard EUR"]
    with pytest.raises(InvalidArgument, match="valid_on 'June' is not a date"):
        names(valid_on="June")


def test_who_may_change_price_lists(deps, build, sales_rep, admin, marketer, pricer):
    standard = build.price_list()
    for caller in (sales_rep, admin, marketer):
        with pytest.raises(PermissionDenied, match="'pricing_manager' role"):
            price_lists.update_price_list(deps, caller, id=standard.id, changes={"name": "X"})
    assert price_lists.get_price_list(deps, pricer, standard.id).name == "Standard"
