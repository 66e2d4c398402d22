"""Domain -> protobuf mapping of the priced quote and the aggregates."""
from crm.catalog.v1 import pricing_pb2, price_lists_pb2

from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.service_layer import messages
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines
from crm_catalog.service_layer.quote_messages import price_quote_response


def test_price_quote_response(uow, build, sales_rep, clock):
    group = build.bottles()
    wine = build.product(group)
    volume = build.discounts([{"low": "1", "high": "", "value": "10"}])
    standard = build.price_list()
    build.item(standard, wine, unit="case", method=PricingMethod.PERCENT_OF_LIST, value="90",
               rounding_mode=RoundingMode.NEAREST, rounding_option=RoundingOption.MULTIPLE,
               rounding_amount="5", discount_list_id=volume.id)
    result = price_quote_lines(uow, sales_rep, currency="EUR", clock=clock, lines=[
        LineInput(unit="case", quantity="2", sku="WINE-RED"),
        LineInput(unit="case", quantity="0", sku="WINE-RED")])
    response = price_quote_response(result)
    ok, bad = response.lines
    assert (ok.list_price.amount, ok.unit_price.amount, ok.gross_amount.amount,
            ok.discount.amount, ok.extended_amount.amount) == \
        ("288.00", "260.00", "520.00", "52.00", "468.00")
    assert ok.method == price_lists_pb2.PRICING_METHOD_PERCENT_OF_LIST
    assert (ok.rounding.mode, ok.rounding.amount) == (price_lists_pb2.ROUNDING_MODE_NEAREST, "5")
    assert (ok.price_list_name, ok.discount_list_id, ok.discount_tier_index) == \
        ("Standard", volume.id, 0)
    assert ok.sku == "WINE-RED" and ok.quantity == "2" and len(ok.explanation) == 7
    assert bad.error.code == pricing_pb2.LINE_ERROR_CODE_INVALID_QUANTITY
    assert bad.error.field == "quantity" and bad.extended_amount.amount == "0.00"
    assert bad.quantity == "0" and bad.discount_tier_index == -1
    assert (response.totals.net_amount.amount, response.totals.priced_lines,
            response.totals.failed_lines, response.complete) == ("468.00", 1, 1, False)
    assert response.as_of.ToDatetime().replace(tzinfo=clock.now.tzinfo) == result.context.as_of
    assert response.pricing_date == "2026-03-02" and response.currency == "EUR"


def test_enum_maps_are_complete_and_reversible():
    assert len(messages.PRICING_METHOD_FROM_PROTO) == len(PricingMethod)
    for method, value in messages.PRICING_METHOD.items():
        assert messages.PRICING_METHOD_FROM_PROTO[value] is method
    assert 0 not in messages.SCOPE_KIND_FROM_PROTO  # UNSPECIFIED maps to None (default scope)
