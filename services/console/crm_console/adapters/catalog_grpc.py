"""catalog's products and PriceQuote for the quote builder, with the signed-in person's token
(members of sales and management read the catalog and price quotes)."""

from __future__ import annotations

from typing import Any

import grpc

from crm.catalog.v1 import (
    price_lists_pb2,
    price_lists_pb2_grpc,
    pricing_pb2,
    pricing_pb2_grpc,
    products_pb2,
    products_pb2_grpc,
)
from crm.common.v1 import pagination_pb2
from crm_chassis.wire import enums
from crm_console.adapters import grpc_mapping_deals as mapping
from crm_console.adapters.grpc_errors import refusals
from crm_console.domain.deals import LineRequest, Pricing, Product
from crm_console.domain.organisation import PriceList

PRODUCTS_SHOWN = 200


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


class CatalogGateway:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._products = products_pb2_grpc.ProductServiceStub(channel)
        self._pricing = pricing_pb2_grpc.PricingServiceStub(channel)
        self._price_lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
        self._timeout = timeout

    def _call(self, stub: Any, method: str, request: object, token: str) -> Any:
        with refusals():
            return getattr(stub, method)(request, timeout=self._timeout, metadata=_auth(token))

    def products(self, token: str) -> tuple[Product, ...]:
        request = products_pb2.ListProductsRequest(
            page=pagination_pb2.PageRequest(page_size=PRODUCTS_SHOWN),
            status=products_pb2.PRODUCT_STATUS_ACTIVE,
        )
        answer = self._call(self._products, "ListProducts", request, token)
        return tuple(mapping.product(p) for p in answer.products)

    def price(
        self,
        token: str,
        lines: tuple[LineRequest, ...],
        *,
        sales_line_id: str,
        account_id: str,
        currency: str,
    ) -> Pricing:
        request = pricing_pb2.PriceQuoteRequest(
            lines=[
                pricing_pb2.QuoteLineInput(
                    product_id=x.product_id, quantity=x.quantity, unit=x.unit
                )
                for x in lines
            ],
            context=pricing_pb2.PricingContext(
                sales_line_id=sales_line_id, account_id=account_id, currency=currency
            ),
        )
        return mapping.pricing(self._call(self._pricing, "PriceQuote", request, token))

    # ------------------------------------------------------------ organisation: catalog browsing
    def all_products(self, token: str) -> tuple[Product, ...]:
        """Every product, retired ones too (the quote builder's ``products`` lists active ones)."""
        request = products_pb2.ListProductsRequest(
            page=pagination_pb2.PageRequest(page_size=PRODUCTS_SHOWN)
        )
        answer = self._call(self._products, "ListProducts", request, token)
        return tuple(mapping.product(p) for p in answer.products)

    def price_lists(self, token: str) -> tuple[PriceList, ...]:
        request = price_lists_pb2.ListPriceListsRequest(
            page=pagination_pb2.PageRequest(page_size=PRODUCTS_SHOWN)
        )
        answer = self._call(self._price_lists, "ListPriceLists", request, token)
        return tuple(
            PriceList(
                id=x.id,
                name=x.name,
                currency=x.currency,
                valid_from=x.valid_from,
                valid_to=x.valid_to,
                scope=enums.word_of(price_lists_pb2.ScopeKind, x.scope.kind, "scope"),
                item_count=x.item_count,
            )
            for x in answer.price_lists
        )
