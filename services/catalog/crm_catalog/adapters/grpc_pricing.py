"""PricingService servicer: the request's lines and context in, ``price_quote_lines``, and the
response built by ``quote_messages`` (which is unit-tested with the calculation)."""
from __future__ import annotations

import datetime as dt

from crm.catalog.v1 import pricing_pb2_grpc

from crm_chassis.auth import current_principal

from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines
from crm_catalog.service_layer.quote_messages import price_quote_response


class PricingServicer(pricing_pb2_grpc.PricingServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def PriceQuote(self, request, context):
        quote_context = request.context
        as_of = (quote_context.as_of.ToDatetime(tzinfo=dt.timezone.utc)
                 if quote_context.HasField("as_of") else None)
        result = price_quote_lines(
            self.deps.uow(), current_principal(),
            lines=[LineInput(unit=line.unit, quantity=line.quantity, product_id=line.product_id,
                             sku=line.sku, existing_line=line.existing_line)
                   for line in request.lines],
            price_list_id=quote_context.price_list_id.strip(),
            sales_line_id=quote_context.sales_line_id, account_id=quote_context.account_id,
            currency=quote_context.currency, pricing_date=quote_context.pricing_date,
            as_of=as_of, clock=self.deps.clock, unit_prices=self.deps.unit_prices)
        return price_quote_response(result)
