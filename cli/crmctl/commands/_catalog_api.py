"""What the ``crmctl catalog`` command modules share: stubs on the catalog address, enum
words, argument parsing (products by id or SKU, unit groups and price lists by id or name) and
paging. Not a command module itself (the
leading underscore keeps it out of command discovery)."""
from __future__ import annotations

import re

import grpc

from crm.catalog.v1 import (
    discount_lists_pb2,
    discount_lists_pb2_grpc,
    price_lists_pb2,
    price_lists_pb2_grpc,
    pricing_pb2_grpc,
    products_pb2,
    products_pb2_grpc,
    units_pb2,
    units_pb2_grpc,
)
from crmctl.commands.common import resolve_name
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("catalog", "127.0.0.1:50053")

_ID = re.compile(r"^[0-9a-f]{32}$")
METHODS = {name.removeprefix("PRICING_METHOD_").lower().replace("_", "-"): value
           for name, value in price_lists_pb2.PricingMethod.items() if value}
ROUNDING = {name.removeprefix("ROUNDING_MODE_").lower(): value
            for name, value in price_lists_pb2.RoundingMode.items() if value}
ROUNDING_OPTIONS = {name.removeprefix("ROUNDING_OPTION_").lower(): value
                    for name, value in price_lists_pb2.RoundingOption.items() if value}
SCOPES = {name.removeprefix("SCOPE_KIND_").lower().replace("_", "-"): value
          for name, value in price_lists_pb2.ScopeKind.items() if value}
STATUSES = {name.removeprefix("PRODUCT_STATUS_").lower(): value
            for name, value in products_pb2.ProductStatus.items() if value}
DISCOUNT_TYPES = {"amount": discount_lists_pb2.DISCOUNT_TYPE_AMOUNT,
                  "percentage": discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE}


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("catalog")
        self.units = units_pb2_grpc.UnitGroupServiceStub(channel)
        self.products = products_pb2_grpc.ProductServiceStub(channel)
        self.price_lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
        self.discount_lists = discount_lists_pb2_grpc.DiscountListServiceStub(channel)
        self.pricing = pricing_pb2_grpc.PricingServiceStub(channel)


def _short(data: dict, **prefixes: str) -> dict:
    """Enum fields without their prefix: PRODUCT_STATUS_ACTIVE -> active."""
    for field, prefix in prefixes.items():
        if isinstance(data.get(field), str):
            data[field] = data[field].removeprefix(prefix).lower()
    return data


def _money(data: dict, *fields: str) -> dict:
    for field in fields:
        money = data.get(field)
        if isinstance(money, dict):
            data[field] = f"{money.get('amount', '')} {money.get('currency', '')}".strip()
    return data


def all_pages(session: Session, method, request, items: str, limit: int = 0):
    request.page.page_size = 500
    count = 0
    while True:
        response = session.call(method, request)
        for item in getattr(response, items):
            yield item
            count += 1
            if limit and count >= limit:
                return
        if not response.page.next_cursor:
            return
        request.page.cursor = response.page.next_cursor


def get_product(session: Session, product: str) -> products_pb2.Product:
    request = (products_pb2.GetProductRequest(id=product) if _ID.match(product)
               else products_pb2.GetProductRequest(sku=product))
    return session.call(Stubs(session).products.GetProduct, request).product


def product_id(session: Session, product: str) -> str:
    return product if _ID.match(product) else get_product(session, product).id


def product_ref(session: Session, product: str) -> str:
    """The product id of PRODUCT written as a SKU or an id, for another service's request: a SKU
    catalog knows becomes its product's id, any other text goes on as an id (the service it is
    sent to answers NOT_FOUND for an unknown one)."""
    if _ID.match(product):
        return product
    try:
        return get_product(session, product).id
    except grpc.RpcError as exc:
        if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return product
        raise




def unit_group_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "unit group", Stubs(session).units.ListUnitGroups,
                        units_pb2.ListUnitGroupsRequest(query=value.strip()),
                        listed_by="crmctl catalog units list")


def price_list_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "price list", Stubs(session).price_lists.ListPriceLists,
                        price_lists_pb2.ListPriceListsRequest(query=value.strip()),
                        listed_by="crmctl catalog pricelists list")
