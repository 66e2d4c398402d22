"""PriceListService and DiscountListService servicers: request in (grpc_mapping), use case, the
aggregate's message out."""

from __future__ import annotations

from crm.catalog.v1 import (
    discount_lists_pb2,
    discount_lists_pb2_grpc,
    price_lists_pb2,
    price_lists_pb2_grpc,
)
from crm_catalog.adapters import grpc_mapping
from crm_catalog.service_layer import discount_lists, event_messages, price_lists
from crm_catalog.service_layer.dependencies import Dependencies


class PriceListServicer(price_lists_pb2_grpc.PriceListServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreatePriceList(self, request, context):
        kind, ids = grpc_mapping.scope(request.scope)
        price_list = price_lists.create_price_list(
            self.deps,
            grpc_mapping.caller(),
            name=request.name,
            currency=request.currency,
            valid_from=request.valid_from,
            valid_to=request.valid_to,
            scope_kind=kind,
            scope_ids=ids,
        )
        return price_lists_pb2.CreatePriceListResponse(
            price_list=event_messages.price_list_message(price_list)
        )

    def GetPriceList(self, request, context):
        price_list = price_lists.get_price_list(self.deps, grpc_mapping.caller(), request.id)
        return price_lists_pb2.GetPriceListResponse(
            price_list=event_messages.price_list_message(price_list)
        )

    def ListPriceLists(self, request, context):
        page = price_lists.list_price_lists(
            self.deps,
            grpc_mapping.caller(),
            currency=request.currency,
            valid_on=request.valid_on,
            query=request.query,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = price_lists_pb2.ListPriceListsResponse(
            price_lists=[
                event_messages.price_list_message(price_list, with_items=False)
                for price_list in page.items
            ]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def UpdatePriceList(self, request, context):
        price_list = price_lists.update_price_list(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            changes=grpc_mapping.price_list_changes(request),
            expected_version=request.expected_version,
        )
        return price_lists_pb2.UpdatePriceListResponse(
            price_list=event_messages.price_list_message(price_list)
        )

    def SetPriceListItem(self, request, context):
        item = request.item
        price_list = price_lists.set_price_list_item(
            self.deps,
            grpc_mapping.caller(),
            price_list_id=request.price_list_id,
            product_id=item.product_id,
            unit=item.unit,
            method=grpc_mapping.pricing_method(item.method),
            value=item.value,
            rounding_mode=grpc_mapping.rounding_mode(item.rounding.mode),
            rounding_option=grpc_mapping.rounding_option(item.rounding.option),
            rounding_amount=item.rounding.amount,
            discount_list_id=item.discount_list_id,
            expected_version=request.expected_version,
        )
        return price_lists_pb2.SetPriceListItemResponse(
            price_list=event_messages.price_list_message(price_list)
        )

    def RemovePriceListItem(self, request, context):
        price_list = price_lists.remove_price_list_item(
            self.deps,
            grpc_mapping.caller(),
            price_list_id=request.price_list_id,
            product_id=request.product_id,
            unit=request.unit,
            expected_version=request.expected_version,
        )
        return price_lists_pb2.RemovePriceListItemResponse(
            price_list=event_messages.price_list_message(price_list)
        )


class DiscountListServicer(discount_lists_pb2_grpc.DiscountListServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateDiscountList(self, request, context):
        discount_list = discount_lists.create_discount_list(
            self.deps,
            grpc_mapping.caller(),
            name=request.name,
            type=grpc_mapping.discount_type(request.type),
            tiers=grpc_mapping.tiers(request.tiers),
            currency=request.currency,
            quantity_decimals=request.quantity_decimals,
        )
        return discount_lists_pb2.CreateDiscountListResponse(
            discount_list=event_messages.discount_list_message(discount_list)
        )

    def GetDiscountList(self, request, context):
        discount_list = discount_lists.get_discount_list(
            self.deps, grpc_mapping.caller(), request.id
        )
        return discount_lists_pb2.GetDiscountListResponse(
            discount_list=event_messages.discount_list_message(discount_list)
        )

    def ListDiscountLists(self, request, context):
        page = discount_lists.list_discount_lists(
            self.deps,
            grpc_mapping.caller(),
            query=request.query,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = discount_lists_pb2.ListDiscountListsResponse(
            discount_lists=[
                event_messages.discount_list_message(discount_list) for discount_list in page.items
            ]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def UpdateDiscountList(self, request, context):
        replace = request.replace_tiers
        discount_list = discount_lists.update_discount_list(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            name=request.name,
            tiers=grpc_mapping.tiers(request.tiers) if replace else None,
            quantity_decimals=request.quantity_decimals if replace else None,
            expected_version=request.expected_version,
        )
        return discount_lists_pb2.UpdateDiscountListResponse(
            discount_list=event_messages.discount_list_message(discount_list)
        )
