"""The catalog's gRPC API on a real chassis server over PostgreSQL: administration, the
authorisation table, per-line errors of PriceQuote, a 100-line quote to the cent, "as of"."""

import datetime as dt
import json
from decimal import Decimal

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import select

from crm.catalog.v1 import discount_lists_pb2, price_lists_pb2, pricing_pb2, products_pb2, units_pb2
from crm.common.v1 import money_pb2
from crm_catalog.adapters import orm

from .conftest import unique

pytestmark = pytest.mark.integration
SC = grpc.StatusCode
E = pricing_pb2


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


class Wine:
    """A small catalog made through the API by a catalog manager."""

    def __init__(self, client, token):
        call = client.call
        self.group = call(
            client.units.CreateUnitGroup,
            units_pb2.CreateUnitGroupRequest(name=unique("Bottles"), base_unit="bottle"),
            token,
        ).unit_group
        for name, quantity, of_unit in (("6-pack", "6", "bottle"), ("case", "4", "6-pack")):
            self.group = call(
                client.units.AddUnit,
                units_pb2.AddUnitRequest(
                    unit_group_id=self.group.id,
                    name=name,
                    quantity=quantity,
                    of_unit=of_unit,
                    expected_version=self.group.version,
                ),
                token,
            ).unit_group

        def product(list_price="12.00", activate=True, **extra):
            made = call(
                client.products.CreateProduct,
                products_pb2.CreateProductRequest(
                    sku=unique("WINE"),
                    name="Red wine",
                    unit_group_id=self.group.id,
                    default_unit="bottle",
                    currency="EUR",
                    list_price=list_price,
                    standard_cost="6.00",
                    current_cost="7.50",
                    **extra,
                ),
                token,
            ).product
            if activate:
                made = call(
                    client.products.ActivateProduct,
                    products_pb2.ActivateProductRequest(id=made.id),
                    token,
                ).product
            return made

        self.red, self.draft = product(), product(activate=False)
        self.retired = call(
            client.products.RetireProduct, products_pb2.RetireProductRequest(id=product().id), token
        ).product
        self.old, self.halves = product(), product(quantity_decimals=1)
        tier = discount_lists_pb2.DiscountTier
        self.volume = call(
            client.discount_lists.CreateDiscountList,
            discount_lists_pb2.CreateDiscountListRequest(
                name=unique("Volume"),
                type=discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE,
                tiers=[
                    tier(low="1", high="9", value="0"),
                    tier(low="10", high="49", value="5"),
                    tier(low="50", value="10"),
                ],
            ),
            token,
        ).discount_list
        self.standard = call(
            client.price_lists.CreatePriceList,
            price_lists_pb2.CreatePriceListRequest(name=unique("Standard"), currency="EUR"),
            token,
        ).price_list
        self.expired = call(
            client.price_lists.CreatePriceList,
            price_lists_pb2.CreatePriceListRequest(
                name=unique("Old"), currency="EUR", valid_from="2020-01-01", valid_to="2020-12-31"
            ),
            token,
        ).price_list
        items = [
            (
                self.standard,
                self.red,
                "bottle",
                price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                "10.00",
                None,
                self.volume.id,
            ),
            (
                self.standard,
                self.red,
                "case",
                price_lists_pb2.PRICING_METHOD_PERCENT_OF_LIST,
                "90",
                price_lists_pb2.RoundingPolicy(
                    mode=price_lists_pb2.ROUNDING_MODE_UP,
                    option=price_lists_pb2.ROUNDING_OPTION_ENDING,
                    amount="0.99",
                ),
                self.volume.id,
            ),
            (
                self.standard,
                self.retired,
                "bottle",
                price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                "5.00",
                None,
                "",
            ),
            (
                self.standard,
                self.halves,
                "bottle",
                price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                "3.00",
                None,
                "",
            ),
            (
                self.expired,
                self.old,
                "bottle",
                price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                "9.00",
                None,
                "",
            ),
        ]
        for price_list, product_, unit, method, value, rounding, discount_id in items:
            item = price_lists_pb2.PriceListItem(
                product_id=product_.id,
                unit=unit,
                method=method,
                value=value,
                discount_list_id=discount_id,
            )
            if rounding is not None:
                item.rounding.CopyFrom(rounding)
            updated = call(
                client.price_lists.SetPriceListItem,
                price_lists_pb2.SetPriceListItemRequest(price_list_id=price_list.id, item=item),
                token,
            ).price_list
            if price_list.id == self.standard.id:
                self.standard = updated


@pytest.fixture(scope="session")
def wine(client, tokens):
    return Wine(client, tokens["catalog_manager"])


def line(product, unit="bottle", quantity="1", **extra):
    return pricing_pb2.QuoteLineInput(product_id=product.id, unit=unit, quantity=quantity, **extra)


def quote(client, token, lines, **context):
    return client.call(
        client.pricing.PriceQuote,
        pricing_pb2.PriceQuoteRequest(lines=lines, context=pricing_pb2.PricingContext(**context)),
        token,
    )


# ---------------------------------------------------------------------------- authorisation
READERS = [
    "catalog_manager",
    "pricing_manager",
    "sales",
    "management",
    "deals_service",
    "service_with_roles",
]
DENIED = ["marketing", "no_department", "admin"]


@pytest.mark.parametrize("who", READERS + DENIED)
def test_reads_and_price_quote_are_open_to_sales_management_roles_and_services(
    client, tokens, wine, who
):
    token = tokens[who]
    calls = [
        (client.products.GetProduct, products_pb2.GetProductRequest(id=wine.red.id)),
        (client.price_lists.ListPriceLists, price_lists_pb2.ListPriceListsRequest()),
        (
            client.pricing.PriceQuote,
            pricing_pb2.PriceQuoteRequest(
                lines=[line(wine.red)], context=pricing_pb2.PricingContext(currency="EUR")
            ),
        ),
    ]
    for method, request in calls:
        if who == "service_with_roles" and method == client.pricing.PriceQuote:
            # person roles on a service account imply nothing: pricing needs quote_prices
            error = rpc_error(client.call, method, request, token)
            assert error.code() == SC.PERMISSION_DENIED and "quote_prices" in error.details()
        elif who in READERS:
            assert client.call(method, request, token).ByteSize() > 0
        else:
            error = rpc_error(client.call, method, request, token)
            assert error.code() == SC.PERMISSION_DENIED
            assert "sales and management" in error.details()


def test_no_token_is_unauthenticated(client, wine):
    error = rpc_error(
        client.call,
        client.pricing.PriceQuote,
        pricing_pb2.PriceQuoteRequest(lines=[line(wine.red)]),
    )
    assert error.code() == SC.UNAUTHENTICATED


@pytest.mark.parametrize(
    "who, unit_groups, price_lists",
    [
        ("catalog_manager", True, True),
        ("pricing_manager", False, True),
        ("sales", False, False),
        ("management", False, False),
        ("admin", False, False),
        ("deals_service", False, False),
        ("service_with_roles", False, False),
    ],
)
def test_administration_is_for_the_catalog_roles_only(
    client, tokens, who, unit_groups, price_lists
):
    token = tokens[who]
    attempts = [
        (
            unit_groups,
            client.units.CreateUnitGroup,
            units_pb2.CreateUnitGroupRequest(name=unique("G"), base_unit="piece"),
        ),
        (
            price_lists,
            client.price_lists.CreatePriceList,
            price_lists_pb2.CreatePriceListRequest(name=unique("L"), currency="EUR"),
        ),
        (
            price_lists,
            client.discount_lists.CreateDiscountList,
            discount_lists_pb2.CreateDiscountListRequest(
                name=unique("D"),
                type=discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE,
                tiers=[discount_lists_pb2.DiscountTier(low="1", value="2")],
            ),
        ),
    ]
    for allowed, method, request in attempts:
        if allowed:
            client.call(method, request, token)
        else:
            error = rpc_error(client.call, method, request, token)
            assert error.code() == SC.PERMISSION_DENIED, (who, method)


# ---------------------------------------------------------------------------- administration
def test_update_product_through_a_field_mask_with_optimistic_concurrency(
    client, tokens, wine, engine
):
    token = tokens["catalog_manager"]
    product = client.call(
        client.products.GetProduct,
        products_pb2.GetProductRequest(sku=wine.halves.sku.lower()),
        token,
    ).product
    request = products_pb2.UpdateProductRequest(
        id=product.id,
        product=products_pb2.Product(
            name="Half bottles", list_price=money_pb2.Money(amount="13.50", currency="EUR")
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["name", "list_price"]),
        expected_version=product.version,
    )
    updated = client.call(client.products.UpdateProduct, request, token).product
    assert (updated.name, updated.list_price.amount, updated.version) == (
        "Half bottles",
        "13.50",
        product.version + 1,
    )
    stale = rpc_error(client.call, client.products.UpdateProduct, request, token)
    assert stale.code() == SC.FAILED_PRECONDITION and "reload it" in stale.details()
    request.expected_version = updated.version
    request.product.list_price.currency = "USD"
    wrong = rpc_error(client.call, client.products.UpdateProduct, request, token)
    assert wrong.code() == SC.INVALID_ARGUMENT and "priced in EUR" in wrong.details()
    request.update_mask.paths[:] = ["sku"]
    fixed = rpc_error(client.call, client.products.UpdateProduct, request, token)
    assert fixed.code() == SC.INVALID_ARGUMENT and "fixed" in fixed.details()
    with engine.connect() as conn:
        events = conn.execute(
            select(orm.outbox.c.event_type, orm.outbox.c.aggregate_version, orm.outbox.c.payload)
            .where(orm.outbox.c.aggregate_id == product.id)
            .order_by(orm.outbox.c.id)
        ).all()
    assert [(e.event_type, e.aggregate_version) for e in events][-1] == (
        "product_changed",
        updated.version,
    )
    assert json.loads(events[-1].payload)["changed_fields"] == ["name", "list_price"]


def test_bad_administrative_input_gets_clear_errors(client, tokens, wine):
    token = tokens["catalog_manager"]
    cases = [
        (
            client.discount_lists.CreateDiscountList,
            discount_lists_pb2.CreateDiscountListRequest(
                name="Gappy",
                type=discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE,
                tiers=[
                    discount_lists_pb2.DiscountTier(low="1", high="9", value="1"),
                    discount_lists_pb2.DiscountTier(low="12", value="2"),
                ],
            ),
            SC.INVALID_ARGUMENT,
            "quantities 10 to 11 are in no tier",
        ),
        (
            client.units.RemoveUnit,
            units_pb2.RemoveUnitRequest(unit_group_id=wine.group.id, name="bottle"),
            SC.FAILED_PRECONDITION,
            "default unit of",
        ),
        (
            client.products.GetProduct,
            products_pb2.GetProductRequest(id="nope"),
            SC.NOT_FOUND,
            "no product",
        ),
        (
            client.price_lists.SetPriceListItem,
            price_lists_pb2.SetPriceListItemRequest(
                price_list_id=wine.standard.id,
                item=price_lists_pb2.PriceListItem(
                    product_id=wine.red.id,
                    unit="crate",
                    value="1.00",
                    method=price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                ),
            ),
            SC.INVALID_ARGUMENT,
            "its units: bottle, 6-pack, case",
        ),
        (
            client.price_lists.CreatePriceList,
            price_lists_pb2.CreatePriceListRequest(name="X", currency="EURO"),
            SC.INVALID_ARGUMENT,
            "EURO",
        ),
        (
            client.products.ListProducts,
            products_pb2.ListProductsRequest(page={"page_size": 501}),
            SC.INVALID_ARGUMENT,
            "page_size",
        ),
    ]
    for method, request, code, words in cases:
        error = rpc_error(client.call, method, request, token)
        assert (error.code(), words in error.details()) == (code, True), error.details()


# ---------------------------------------------------------------------------- PriceQuote
def test_each_bad_line_gets_its_own_error_and_the_others_are_priced(client, tokens, wine):
    response = quote(
        client,
        tokens["sales"],
        [
            line(wine.red, quantity="12"),  # 0 priced
            line(wine.red, unit="crate"),  # 1 unknown unit
            line(wine.red, quantity="1.5"),  # 2 fractional, whole units only
            line(wine.red, quantity="-2"),  # 3 negative
            line(wine.retired),  # 4 retired, new line
            line(wine.retired, existing_line=True),  # 5 retired, already on the quote
            line(wine.draft),  # 6 draft
            line(wine.old),  # 7 only an expired list prices it
            pricing_pb2.QuoteLineInput(sku="NO-SUCH-SKU", unit="bottle", quantity="1"),  # 8
            line(wine.halves, quantity="2.5"),  # 9 halves allowed
        ],
        currency="EUR",
    )
    codes = [result.error.code for result in response.lines]
    assert codes == [
        0,
        E.LINE_ERROR_CODE_UNKNOWN_UNIT,
        E.LINE_ERROR_CODE_INVALID_QUANTITY,
        E.LINE_ERROR_CODE_INVALID_QUANTITY,
        E.LINE_ERROR_CODE_PRODUCT_NOT_SELLABLE,
        0,
        E.LINE_ERROR_CODE_PRODUCT_NOT_SELLABLE,
        E.LINE_ERROR_CODE_PRICE_LIST_NOT_VALID,
        E.LINE_ERROR_CODE_PRODUCT_NOT_FOUND,
        0,
    ]
    messages = [result.error.message for result in response.lines]
    assert "its units: bottle, 6-pack, case" in messages[1]
    assert "whole units only" in messages[2] and "greater than zero" in messages[3]
    assert "retired" in messages[4] and "draft" in messages[6]
    assert "expired on 2020-12-31" in messages[7] and "NO-SUCH-SKU" in messages[8]
    red = response.lines[0]
    assert (
        red.unit_price.amount,
        red.gross_amount.amount,
        red.discount.amount,
        red.extended_amount.amount,
    ) == ("10.00", "120.00", "6.00", "114.00")
    assert red.price_list_id == wine.standard.id and red.discount_list_id == wine.volume.id
    assert red.discount_tier_index == 1 and red.product_version == wine.red.version
    assert any("5 % off" in sentence for sentence in red.explanation)
    assert response.lines[9].extended_amount.amount == "7.50"
    assert not response.complete
    assert (response.totals.priced_lines, response.totals.failed_lines) == (3, 7)
    assert response.totals.net_amount.amount == "126.50"  # 114.00 + 5.00 + 7.50


def test_currency_mismatch_and_a_named_expired_list(client, tokens, wine):
    in_dollars = quote(client, tokens["sales"], [line(wine.red)], currency="USD")
    assert in_dollars.lines[0].error.code == E.LINE_ERROR_CODE_CURRENCY_MISMATCH
    assert "not in the quote's currency USD" in in_dollars.lines[0].error.message
    named = quote(client, tokens["sales"], [line(wine.old)], price_list_id=wine.expired.id)
    assert named.lines[0].error.code == E.LINE_ERROR_CODE_PRICE_LIST_NOT_VALID
    named_other = quote(
        client, tokens["sales"], [line(wine.red)], price_list_id=wine.standard.id, currency="USD"
    )
    assert named_other.lines[0].error.code == E.LINE_ERROR_CODE_CURRENCY_MISMATCH


def test_request_level_errors(client, tokens, wine):
    token = tokens["deals_service"]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    cases = [
        ([], dict(currency="EUR"), SC.INVALID_ARGUMENT, "at least one line"),
        ([line(wine.red)] * 1001, dict(currency="EUR"), SC.INVALID_ARGUMENT, "1000"),
        ([line(wine.red)], {}, SC.INVALID_ARGUMENT, "currency is required"),
        ([line(wine.red)], dict(currency="XXY"), SC.INVALID_ARGUMENT, "XXY"),
        (
            [line(wine.red)],
            dict(currency="EUR", pricing_date="1.2.2026"),
            SC.INVALID_ARGUMENT,
            "YYYY-MM-DD",
        ),
        ([line(wine.red)], dict(price_list_id="nope"), SC.NOT_FOUND, "no price list"),
        (
            [line(wine.red)],
            dict(currency="EUR", as_of=future),
            SC.INVALID_ARGUMENT,
            "in the future",
        ),
    ]
    for lines, context, code, words in cases:
        error = rpc_error(quote, client, token, lines, **context)
        assert (error.code(), words in error.details()) == (code, True), error.details()


def test_a_100_line_quote_totals_equal_its_lines_and_reprice_identically(client, tokens, wine):
    token = tokens["deals_service"]
    lines = [
        line(wine.red, unit="case" if n % 3 == 0 else "bottle", quantity=str(1 + n % 60))
        for n in range(100)
    ]
    first = quote(client, token, lines, currency="EUR", account_id="acct-7")
    assert first.complete and first.totals.priced_lines == 100
    for field in ("gross_amount", "discount", "net_amount"):
        per_line = {
            "gross_amount": "gross_amount",
            "discount": "discount",
            "net_amount": "extended_amount",
        }[field]
        total = sum(Decimal(getattr(result, per_line).amount) for result in first.lines)
        assert Decimal(getattr(first.totals, field).amount) == total
        assert getattr(first.totals, field).amount == f"{total:.2f}"
    tiers = {result.discount_tier_index for result in first.lines}
    assert tiers == {0, 1, 2}
    case = next(result for result in first.lines if result.unit == "case")
    assert case.unit_price.amount == "259.99" and case.list_price.amount == "288.00"

    # The catalog changes; the same request "as of" the first answer gives the same answer.
    manager = tokens["catalog_manager"]
    client.call(
        client.price_lists.SetPriceListItem,
        price_lists_pb2.SetPriceListItemRequest(
            price_list_id=wine.standard.id,
            item=price_lists_pb2.PriceListItem(
                product_id=wine.red.id,
                unit="bottle",
                value="11.00",
                method=price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                discount_list_id=wine.volume.id,
            ),
        ),
        manager,
    )
    client.call(
        client.discount_lists.UpdateDiscountList,
        discount_lists_pb2.UpdateDiscountListRequest(
            id=wine.volume.id,
            replace_tiers=True,
            tiers=[discount_lists_pb2.DiscountTier(low="1", value="50")],
        ),
        manager,
    )
    again = quote(client, token, lines, currency="EUR", account_id="acct-7", as_of=first.as_of)
    assert again == first
    now = quote(client, token, lines, currency="EUR", account_id="acct-7")
    assert now.totals.net_amount != first.totals.net_amount and now.as_of != first.as_of
