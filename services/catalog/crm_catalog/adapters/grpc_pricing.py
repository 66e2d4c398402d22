"""PricingService servicer: the request's lines and context in (grpc_mapping_pricing),
``price_quote_lines``, the PriceQuoteResponse out."""

from __future__ import annotations

from crm.catalog.v1 import pricing_pb2_grpc
from crm_catalog.adapters import grpc_mapping, grpc_mapping_pricing
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.pricing import price_quote_lines


class PricingServicer(pricing_pb2_grpc.PricingServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def PriceQuote(self, request, context):
        quote_context = request.context
        result = price_quote_lines(
            self.deps,
            grpc_mapping.caller(),
            lines=grpc_mapping_pricing.line_inputs(request),
            price_list_id=quote_context.price_list_id.strip(),
            sales_line_id=quote_context.sales_line_id,
            account_id=quote_context.account_id,
            currency=quote_context.currency,
            pricing_date=quote_context.pricing_date,
            as_of=grpc_mapping_pricing.as_of(request),
        )
        return grpc_mapping_pricing.price_quote_response(result)
