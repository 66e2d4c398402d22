"""PricingService's request -> the use case's arguments, and a priced quote -> the
PriceQuoteResponse of protos/crm/catalog/v1/pricing.proto (unit-tested with the calculation it
shows)."""

from __future__ import annotations

import datetime as dt

from crm.catalog.v1 import pricing_pb2
from crm.common.v1 import money_pb2
from crm_catalog.domain.money import amount_text
from crm_catalog.domain.quote import PricedLine
from crm_catalog.domain.selection import LineErrorCode
from crm_catalog.service_layer.event_messages import PRICING_METHOD, rounding_message
from crm_catalog.service_layer.pricing import LineInput, QuoteResult
from crm_chassis.wire import enums, money
from crm_chassis.wire.decimals import format_decimal

LINE_ERROR_CODE = {
    code: enums.from_domain(pricing_pb2.LineErrorCode, code) for code in LineErrorCode
}


def line_inputs(request: pricing_pb2.PriceQuoteRequest) -> list[LineInput]:
    return [
        LineInput(
            unit=line.unit,
            quantity=line.quantity,
            product_id=line.product_id,
            sku=line.sku,
            existing_line=line.existing_line,
        )
        for line in request.lines
    ]


def as_of(request: pricing_pb2.PriceQuoteRequest) -> dt.datetime | None:
    """The instant the catalog is read as of; None for "now"."""
    context = request.context
    return context.as_of.ToDatetime(tzinfo=dt.UTC) if context.HasField("as_of") else None


def _money(amount, currency: str) -> money_pb2.Money:
    # Every figure of a priced line is already exact in the currency's minor unit.
    return money_pb2.Money(amount=amount_text(amount), currency=currency)


#: The quantity-independent fields of priced lines, serialised (bytes are safely shared between
#: the server's threads; merging them is as fast as merging a message), by the key of their unit
#: price (which holds the versions of everything they show); bounded by starting over when full.
_STATIC_FIELDS: dict[tuple, bytes] = {}
MAX_STATIC_FIELDS = 20_000


def add_line(lines, line: PricedLine, currency: str) -> None:
    """Adds one line to the response's repeated field, built in place (this runs 100s of times
    a quote, and copying a finished line message into the response cost more than building
    it). A priced line whose unit price is memoised merges its remembered static fields into
    the few that depend on the quantity."""
    static = (
        _STATIC_FIELDS.get(line.unit_pricing.key)
        if line.error is None and line.unit_pricing is not None
        else None
    )
    if static is None:
        full = _built_line_message(line, currency)
        lines.append(full)
        if line.error is None and line.unit_pricing is not None:
            _remember_static_fields(line.unit_pricing.key, full)
        return
    message = lines.add(
        index=line.index,
        explanation=line.explanation,
        quantity=line.quantity_text,
        discount_tier_index=line.tier_index,
        discount_list_version=(line.discount_list.version if line.discount_list else 0),
    )
    # The texts made for the explanation (a memoised unit price always has them).
    gross, discount, extended = message.gross_amount, message.discount, message.extended_amount
    gross.amount, gross.currency = line.gross_text, currency
    discount.amount, discount.currency = line.discount_text, currency
    extended.amount, extended.currency = line.extended_text, currency
    message.MergeFromString(static)


def _remember_static_fields(key: tuple, full: pricing_pb2.QuoteLineResult) -> None:
    static = pricing_pb2.QuoteLineResult()
    static.CopyFrom(full)
    for dynamic in _DYNAMIC_FIELDS:
        static.ClearField(dynamic)
    if len(_STATIC_FIELDS) >= MAX_STATIC_FIELDS:
        _STATIC_FIELDS.clear()
    _STATIC_FIELDS[key] = static.SerializeToString()


#: Fields of a priced line that depend on more than its unit price (quantity, discount tier).
_DYNAMIC_FIELDS = (
    "index",
    "explanation",
    "quantity",
    "gross_amount",
    "discount",
    "extended_amount",
    "discount_tier_index",
    "discount_list_version",
)


def _built_line_message(line: PricedLine, currency: str) -> pricing_pb2.QuoteLineResult:
    """One line built with a single constructor call."""
    request, product = line.request, line.product
    # An error line's zeros are not quantized: money.to_proto quantizes them.
    amount = _money if line.error is None else money.to_proto
    fields = dict(
        index=line.index,
        explanation=line.explanation,
        discount_tier_index=-1,
        product_id=product.id if product else request.product_id,
        unit=line.unit or request.unit,
        quantity=format_decimal(line.quantity) if line.quantity else request.quantity,
        unit_price=amount(line.unit_price, currency),
        gross_amount=amount(line.gross, currency),
        discount=amount(line.discount, currency),
        extended_amount=amount(line.extended, currency),
    )
    if product is not None:
        fields.update(sku=product.sku, product_name=product.name, product_version=product.version)
    if line.error is not None:
        fields["error"] = pricing_pb2.LineError(
            code=LINE_ERROR_CODE[line.error.code],
            message=line.error.message,
            field=line.error.field,
        )
        return pricing_pb2.QuoteLineResult(**fields)
    price_list, item = line.choice.price_list, line.choice.item
    fields.update(
        list_price=_money(line.list_price, line.list_price_currency),
        price_list_id=price_list.id,
        price_list_name=price_list.name,
        price_list_version=price_list.version,
        method=PRICING_METHOD[item.method],
        method_value=format_decimal(item.value),
        rounding=rounding_message(item.rounding),
    )
    if line.discount_list is not None:
        fields.update(
            discount_list_id=line.discount_list.id,
            discount_list_version=line.discount_list.version,
            discount_tier_index=line.tier_index,
        )
    return pricing_pb2.QuoteLineResult(**fields)


def price_quote_response(result: QuoteResult) -> pricing_pb2.PriceQuoteResponse:
    context, totals = result.context, result.totals
    response = pricing_pb2.PriceQuoteResponse(
        complete=result.complete,
        pricing_date=context.pricing_date.isoformat(),
        currency=context.currency,
    )
    for line in result.lines:
        add_line(response.lines, line, context.currency)
    response.totals.gross_amount.CopyFrom(money.to_proto(totals.gross, context.currency))
    response.totals.discount.CopyFrom(money.to_proto(totals.discount, context.currency))
    response.totals.net_amount.CopyFrom(money.to_proto(totals.net, context.currency))
    response.totals.priced_lines = totals.priced_lines
    response.totals.failed_lines = totals.failed_lines
    response.as_of.FromDatetime(context.as_of)
    return response
