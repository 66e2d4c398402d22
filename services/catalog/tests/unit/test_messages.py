"""Domain -> protobuf mapping of the priced quote and the aggregates."""

import pytest

from crm.catalog.v1 import price_lists_pb2, pricing_pb2
from crm_catalog.adapters import grpc_mapping
from crm_catalog.adapters.grpc_mapping_pricing import price_quote_response
from crm_catalog.domain.price_lists import ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines
from crm_chassis.errors import InvalidArgument


def test_price_quote_response(deps, build, sales_rep, clock):
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts([{"low": "1", "high": "", "value": "10"}])
    standard = build.price_list()
    build.item(
        standard,
        wine,
        unit="case",
        method=PricingMethod.PERCENT_OF_LIST,
        value="90",
        rounding_mode=RoundingMode.NEAREST,
        rounding_option=RoundingOption.MULTIPLE,
        rounding_amount="5",
        discount_list_id=volume.id,
    )
    result = price_quote_lines(
        deps,
        sales_rep,
        currency="EUR",
        lines=[
            LineInput(unit="case", quantity="2", sku="WINE-RED"),
            LineInput(unit="case", quantity="0", sku="WINE-RED"),
        ],
    )
    response = price_quote_response(result)
    ok, bad = response.lines
    assert (
        ok.list_price.amount,
        ok.unit_price.amount,
        ok.gross_amount.amount,
        ok.discount.amount,
        ok.extended_amount.amount,
    ) == ("288.00", "260.00", "520.00", "52.00", "468.00")
    assert ok.method == price_lists_pb2.PRICING_METHOD_PERCENT_OF_LIST
    assert (ok.rounding.mode, ok.rounding.amount) == (price_lists_pb2.ROUNDING_MODE_NEAREST, "5")
    assert (ok.price_list_name, ok.discount_list_id, ok.discount_tier_index) == (
        "Standard",
        volume.id,
        0,
    )
    assert ok.sku == "WINE-RED" and ok.quantity == "2" and len(ok.explanation) == 7
    assert bad.error.code == pricing_pb2.LINE_ERROR_CODE_INVALID_QUANTITY
    assert bad.error.field == "quantity" and bad.extended_amount.amount == "0.00"
    assert bad.quantity == "0" and bad.discount_tier_index == -1
    assert (
        response.totals.net_amount.amount,
        response.totals.priced_lines,
        response.totals.failed_lines,
        response.complete,
    ) == ("468.00", 1, 1, False)
    assert response.as_of.ToDatetime().replace(tzinfo=clock.current.tzinfo) == result.context.as_of
    assert response.pricing_date == "2026-03-02" and response.currency == "EUR"


def test_enum_maps_are_complete_and_reversible():
    for method, number in event_messages.PRICING_METHOD.items():
        assert grpc_mapping.pricing_method(number) is method
    for status, number in event_messages.PRODUCT_STATUS.items():
        assert grpc_mapping.product_status(number) is status
    for kind, number in event_messages.DISCOUNT_TYPE.items():
        assert grpc_mapping.discount_type(number) is kind
    for mode, number in event_messages.ROUNDING_MODE.items():
        assert grpc_mapping.rounding_mode(number) is mode
    for option, number in event_messages.ROUNDING_OPTION.items():
        assert grpc_mapping.rounding_option(number) is option
    assert len(set(event_messages.SCOPE_KIND.values())) == len(ScopeKind)
    # UNSPECIFIED is "not given": None (the default scope, no status filter, ...)
    assert grpc_mapping.scope(price_lists_pb2.PriceListScope()) == (None, [])
    assert grpc_mapping.product_status(0) is None and grpc_mapping.pricing_method(0) is None


@pytest.mark.parametrize(
    "convert, field",
    [
        (grpc_mapping.product_status, "status"),
        (grpc_mapping.discount_type, "type"),
        (grpc_mapping.pricing_method, "item.method"),
        (grpc_mapping.rounding_mode, "item.rounding.mode"),
        (grpc_mapping.rounding_option, "item.rounding.option"),
    ],
)
def test_an_enum_number_this_server_does_not_know_is_refused(convert, field):
    # It used to become None: an unknown status listed every product, an unknown method read
    # as "method is required".
    with pytest.raises(InvalidArgument) as raised:
        convert(99)
    assert raised.value.field == field and "unknown value 99" in str(raised.value)


def test_an_unknown_scope_kind_is_refused():
    with pytest.raises(InvalidArgument, match="scope.kind has an unknown value 7"):
        grpc_mapping.scope(price_lists_pb2.PriceListScope(kind=7))
