"""PriceListService and DiscountListService servicers: proto in, use case, proto out."""
from __future__ import annotations

from crm.catalog.v1 import (discount_lists_pb2, discount_lists_pb2_grpc, price_lists_pb2,
                            price_lists_pb2_grpc)

from crm_chassis.auth import current_principal

from crm_catalog.service_layer import discount_lists, messages, price_lists
from crm_catalog.service_layer.dependencies import Dependencies


def _scope(scope: price_lists_pb2.PriceListScope) -> tuple:
    return messages.SCOPE_KIND_FROM_PROTO.get(scope.kind), list(scope.ids)


def price_list_changes(request: price_lists_pb2.UpdatePriceListRequest) -> dict:
    """The masked fields as use-case changes; unknown names are refused by the domain."""
    changes = {}
    for path in request.update_mask.paths:
        name = path.split(".", 1)[0]
        changes[name] = (_scope(request.price_list.scope) if name == "scope"
                         else getattr(request.price_list, name, None))
    return changes


class PriceListServicer(price_lists_pb2_grpc.PriceListServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreatePriceList(self, request, context):
        kind, ids = _scope(request.scope)
        price_list = price_lists.create_price_list(
            self.deps.uow(), current_principal(), name=request.name, currency=request.currency,
            valid_from=request.valid_from, valid_to=request.valid_to, scope_kind=kind,
            scope_ids=ids, clock=self.deps.clock)
        return price_lists_pb2.CreatePriceListResponse(
            price_list=messages.price_list_message(price_list))

    def GetPriceList(self, request, context):
        price_list = price_lists.get_price_list(self.deps.uow(), current_principal(), request.id)
        return price_lists_pb2.GetPriceListResponse(
            price_list=messages.price_list_message(price_list))

    def ListPriceLists(self, request, context):
        page = price_lists.list_price_lists(
            self.deps.uow(), current_principal(), currency=request.currency,
            valid_on=request.valid_on, query=request.query, page_size=request.page.page_size,
            cursor=request.page.cursor)
        response = price_lists_pb2.ListPriceListsResponse(price_lists=[
            messages.price_list_message(price_list, with_items=False)
            for price_list in page.items])
        response.page.next_cursor = page.next_cursor
        return response

    def UpdatePriceList(self, request, context):
        price_list = price_lists.update_price_list(
            self.deps.uow(), current_principal(), id=request.id,
            changes=price_list_changes(request), expected_version=request.expected_version,
            clock=self.deps.clock)
        return price_lists_pb2.UpdatePriceListResponse(
            price_list=messages.price_list_message(price_list))

    def SetPriceListItem(self, request, context):
        item = request.item
        price_list = price_lists.set_price_list_item(
            self.deps.uow(), current_principal(), price_list_id=request.price_list_id,
            product_id=item.product_id, unit=item.unit,
            method=messages.PRICING_METHOD_FROM_PROTO.get(item.method), value=item.value,
            rounding_mode=messages.ROUNDING_MODE_FROM_PROTO.get(item.rounding.mode),
            rounding_option=messages.ROUNDING_OPTION_FROM_PROTO.get(item.rounding.option),
            rounding_amount=item.rounding.amount, discount_list_id=item.discount_list_id,
            expected_version=request.expected_version, clock=self.deps.clock)
        return price_lists_pb2.SetPriceListItemResponse(
            price_list=messages.price_list_message(price_list))

    def RemovePriceListItem(self, request, context):
        price_list = price_lists.remove_price_list_item(
            self.deps.uow(), current_principal(), price_list_id=request.price_list_id,
            product_id=request.product_id, unit=request.unit,
            expected_version=request.expected_version, clock=self.deps.clock)
        return price_lists_pb2.RemovePriceListItemResponse(
            price_list=messages.price_list_message(price_list))


def _tiers(tiers) -> list[dict]:
    return [{"low": tier.low, "high": tier.high, "value": tier.value} for tier in tiers]


class DiscountListServicer(discount_lists_pb2_grpc.DiscountListServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateDiscountList(self, request, context):
        discount_list = discount_lists.create_discount_list(
            self.deps.uow(), current_principal(), name=request.name,
            type=messages.DISCOUNT_TYPE_FROM_PROTO.get(request.type),
            tiers=_tiers(request.tiers), currency=request.currency,
            quantity_decimals=request.quantity_decimals, clock=self.deps.clock)
        return discount_lists_pb2.CreateDiscountListResponse(
            discount_list=messages.discount_list_message(discount_list))

    def GetDiscountList(self, request, context):
        discount_list = discount_lists.get_discount_list(self.deps.uow(), current_principal(),
                                                         request.id)
        return discount_lists_pb2.GetDiscountListResponse(
            discount_list=messages.discount_list_message(discount_list))

    def ListDiscountLists(self, request, context):
        page = discount_lists.list_discount_lists(
            self.deps.uow(), current_principal(), query=request.query,
            page_size=request.page.page_size, cursor=request.page.cursor)
        response = discount_lists_pb2.ListDiscountListsResponse(discount_lists=[
            messages.discount_list_message(discount_list) for discount_list in page.items])
        response.page.next_cursor = page.next_cursor
        return response

    def UpdateDiscountList(self, request, context):
        replace = request.replace_tiers
        discount_list = discount_lists.update_discount_list(
            self.deps.uow(), current_principal(), id=request.id, name=request.name,
            tiers=_tiers(request.tiers) if replace else None,
            quantity_decimals=request.quantity_decimals if replace else None,
            expected_version=request.expected_version, clock=self.deps.clock)
        return discount_lists_pb2.UpdateDiscountListResponse(
            discount_list=messages.discount_list_message(discount_list))
