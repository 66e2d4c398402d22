"""Products: creation rules, updates, lifecycle, sellability and quantities."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.domain.products import ProductStatus
from crm_catalog.service_layer import products
from crm_chassis.auth.principal import Principal
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

D = dt.date


def test_create_normalises_and_starts_as_a_draft(uow, deps, build, manager, clock):
    group = build.bottles()
    product = products.create_product(
        deps,
        manager,
        sku=" wine-red.075 ",
        name="Red  wine",
        unit_group_id=group.id,
        default_unit="CASE",
        currency="eur",
        list_price="120",
        standard_cost="",
        current_cost="55.5",
        family=" Wines / Red ",
        quantity_decimals=0,
        valid_from="2026-01-01",
        valid_to="2026-12-31",
    )
    assert (product.sku, product.name, product.default_unit, product.currency) == (
        "WINE-RED.075",
        "Red wine",
        "case",
        "EUR",
    )
    assert (product.list_price, product.standard_cost, product.current_cost) == (
        Decimal("120.00"),
        Decimal("0.00"),
        Decimal("55.50"),
    )
    assert product.status is ProductStatus.DRAFT and product.family == "Wines / Red"
    assert product.valid_from == D(2026, 1, 1)
    event = uow.emitted[-1][1]
    assert uow.emitted[-1][0] == "product_changed"
    assert (
        event.product.list_price.amount == "120.00" and event.product.list_price.currency == "EUR"
    )
    assert event.change == 1  # CREATED


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"sku": "bad sku!"}, InvalidArgument, "sku 'bad sku!' is not valid"),
        ({"currency": "EURO"}, InvalidArgument, "not a supported ISO 4217 currency"),
        (
            {"list_price": "9.999"},
            InvalidArgument,
            "list_price 9.999 has more than 2 decimal places",
        ),
        ({"list_price": "-1"}, InvalidArgument, "list_price must be at least 0"),
        ({"default_unit": "crate"}, InvalidArgument, "unit 'crate' is not in unit group"),
        ({"quantity_decimals": 7}, InvalidArgument, "quantity_decimals must be a whole number"),
        ({"valid_from": "2026-02-30"}, InvalidArgument, "valid_from '2026-02-30' is not a date"),
        (
            {"valid_from": "2026-03-01", "valid_to": "2026-02-01"},
            InvalidArgument,
            "valid_to 2026-02-01 is before valid_from 2026-03-01",
        ),
        ({"unit_group_id": "nope"}, NotFound, "no unit group with id 'nope'"),
    ],
)
def test_bad_products_are_refused(deps, build, manager, clock, overrides, error, message):
    group = build.bottles()
    fields = dict(
        sku="X-1",
        name="X",
        unit_group_id=group.id,
        default_unit="bottle",
        currency="EUR",
        list_price="1.00",
    )
    fields.update(overrides)
    with pytest.raises(error, match=message):
        products.create_product(deps, manager, **fields)


def test_sku_is_unique_regardless_of_case(deps, build, manager, clock):
    group = build.bottles()
    build.product(group, sku="WINE-RED")
    with pytest.raises(AlreadyExists, match="SKU WINE-RED is already used"):
        build.product(group, sku="wine-red")


def test_get_by_id_or_sku(deps, build, sales_rep):
    wine = build.product(build.bottles())
    assert products.get_product(deps, sales_rep, sku="wine-red").id == wine.id
    assert products.get_product(deps, sales_rep, id=wine.id).sku == "WINE-RED"
    with pytest.raises(NotFound, match="no product with SKU 'NOPE'"):
        products.get_product(deps, sales_rep, sku="NOPE")
    with pytest.raises(InvalidArgument, match="exactly one of id or sku"):
        products.get_product(deps, sales_rep, id=wine.id, sku="WINE-RED")


def test_update_changes_named_fields_only(uow, deps, build, manager, clock):
    wine = build.product(build.bottles())
    updated = products.update_product(
        deps,
        manager,
        id=wine.id,
        changes={"list_price": "13.50", "valid_to": "2027-01-31", "default_unit": "case"},
        amounts_currency="EUR",
        expected_version=wine.version,
    )
    assert updated.list_price == Decimal("13.50") and updated.default_unit == "case"
    assert updated.valid_to == D(2027, 1, 31) and updated.version == wine.version + 1
    assert list(uow.emitted[-1][1].changed_fields) == ["default_unit", "list_price", "valid_to"]
    assert products.get_product(deps, manager, id=wine.id).list_price == Decimal("13.50")


def test_update_refusals(deps, build, manager, clock):
    wine = build.product(build.bottles())
    with pytest.raises(InvalidArgument, match="cannot update currency"):
        products.update_product(deps, manager, id=wine.id, changes={"currency": "USD"})
    with pytest.raises(InvalidArgument, match="amounts in USD are not accepted"):
        products.update_product(
            deps, manager, id=wine.id, changes={"list_price": "1"}, amounts_currency="USD"
        )
    with pytest.raises(InvalidArgument, match="at least one field"):
        products.update_product(deps, manager, id=wine.id, changes={})
    with pytest.raises(FailedPrecondition, match="someone changed it meanwhile"):
        products.update_product(
            deps, manager, id=wine.id, changes={"name": "x"}, expected_version=1
        )
    with pytest.raises(InvalidArgument):
        products.update_product(deps, manager, id=wine.id, changes={"list_price": "abc"})
    assert products.get_product(deps, manager, id=wine.id).version == wine.version


def test_noop_update_emits_nothing(uow, deps, build, manager, clock):
    wine = build.product(build.bottles())
    count = len(uow.emitted)
    same = products.update_product(deps, manager, id=wine.id, changes={"list_price": "12"})
    assert same.version == wine.version and len(uow.emitted) == count


def test_lifecycle(uow, deps, build, manager, clock):
    wine = build.product(build.bottles(), activate=False)
    with pytest.raises(FailedPrecondition, match="only an active product can be retired"):
        products.retire_product(deps, manager, id=wine.id)
    products.activate_product(deps, manager, id=wine.id)
    with pytest.raises(FailedPrecondition, match="already active"):
        products.activate_product(deps, manager, id=wine.id)
    retired = products.retire_product(deps, manager, id=wine.id)
    assert retired.status is ProductStatus.RETIRED and retired.retired_at == clock.current
    assert uow.emitted[-1][1].product.status == 3  # RETIRED
    again = products.activate_product(deps, manager, id=wine.id)
    assert again.status is ProductStatus.ACTIVE and again.retired_at is None


def test_sellability(build, manager, deps, clock):
    group = build.bottles()
    wine = build.product(group, valid_from="2026-02-01", valid_to="2026-06-30")
    assert wine.sellability(D(2026, 3, 1), existing_line=False) is None
    assert "sold from 2026-02-01" in wine.sellability(D(2026, 1, 31), existing_line=True)
    assert "sold until 2026-06-30" in wine.sellability(D(2026, 7, 1), existing_line=False)
    assert wine.sellability(D(2026, 7, 1), existing_line=True) is None
    retired = products.retire_product(deps, manager, id=wine.id)
    assert "retired on 2026-03-02" in retired.sellability(D(2026, 3, 1), existing_line=False)
    assert retired.sellability(D(2026, 3, 1), existing_line=True) is None
    draft = build.product(group, sku="DRAFT", activate=False)
    assert "is a draft" in draft.sellability(D(2026, 3, 1), existing_line=True)


def test_quantities(build):
    group = build.bottles()
    whole = build.product(group, sku="WHOLE")
    assert whole.check_quantity("3") == 3
    with pytest.raises(InvalidArgument, match="whole units only; quantity 1.5"):
        whole.check_quantity("1.5")
    with pytest.raises(InvalidArgument, match="greater than zero"):
        whole.check_quantity("-2")
    litres = build.product(group, sku="BULK", quantity_decimals=2)
    assert litres.check_quantity("2.25") == Decimal("2.25")
    with pytest.raises(InvalidArgument, match="at most 2 decimal places"):
        litres.check_quantity("2.255")


def test_list_filters_and_pages_by_sku(deps, build, sales_rep, manager, clock):
    group = build.bottles()
    for sku in ("C-3", "A-1", "B-2"):
        build.product(group, sku=sku, family="Wines")
    build.product(group, sku="D-4", activate=False)
    page = products.list_products(deps, sales_rep, page_size=2)
    assert [p.sku for p in page.items] == ["A-1", "B-2"]
    rest = products.list_products(deps, sales_rep, page_size=2, cursor=page.next_cursor)
    assert [p.sku for p in rest.items] == ["C-3", "D-4"]
    drafts = products.list_products(deps, sales_rep, status=ProductStatus.DRAFT)
    assert [p.sku for p in drafts.items] == ["D-4"]
    assert len(products.list_products(deps, sales_rep, family="wines").items) == 3


def test_only_catalog_managers_change_products(deps, build, pricer, sales_rep):
    group = build.bottles()
    with pytest.raises(PermissionDenied, match="'catalog_manager' role"):
        products.create_product(
            deps,
            pricer,
            sku="X",
            name="X",
            unit_group_id=group.id,
            default_unit="bottle",
            currency="EUR",
            list_price="1",
        )
    wine = build.product(group)
    with pytest.raises(PermissionDenied):
        products.retire_product(deps, sales_rep, id=wine.id)


def test_a_refusal_says_who_can_grant_what_is_missing(deps, build, pricer):
    group = build.bottles()
    with pytest.raises(PermissionDenied) as refused:
        products.create_product(
            deps,
            pricer,
            sku="X",
            name="X",
            unit_group_id=group.id,
            default_unit="bottle",
            currency="EUR",
            list_price="1",
        )
    assert "crmctl users update <you> --role catalog_manager" in refused.value.message
    outsider = Principal(subject_id="u-9", roles=frozenset(), departments=frozenset())
    with pytest.raises(PermissionDenied) as refused:
        products.get_product(deps, outsider, sku="X")
    assert "crmctl users departments set <you> sales" in refused.value.message
