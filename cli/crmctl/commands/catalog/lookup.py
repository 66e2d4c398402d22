"""PRODUCT arguments are an id or a SKU; unit groups and price lists an id or a name."""

from __future__ import annotations

import grpc

from crm.catalog.v1 import price_lists_pb2, products_pb2, units_pb2
from crmctl.commands.catalog.stubs import Stubs
from crmctl.lookup import looks_like_id, name_resolver
from crmctl.session import Session


def get_product(session: Session, product: str) -> products_pb2.Product:
    request = (
        products_pb2.GetProductRequest(id=product)
        if looks_like_id(product)
        else products_pb2.GetProductRequest(sku=product)
    )
    return session.call(Stubs(session).products.GetProduct, request).product


def product_id(session: Session, product: str) -> str:
    return product if looks_like_id(product) else get_product(session, product).id


def product_ref(session: Session, product: str) -> str:
    """The product id of PRODUCT written as a SKU or an id, for another service's request: a SKU
    catalog knows becomes its product's id, any other text goes on as an id (the service it is
    sent to answers NOT_FOUND for an unknown one)."""
    if looks_like_id(product):
        return product
    try:
        return get_product(session, product).id
    except grpc.RpcError as exc:
        if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return product
        raise


unit_group_id = name_resolver(
    "unit group",
    lambda session: Stubs(session).units.ListUnitGroups,
    lambda value: units_pb2.ListUnitGroupsRequest(query=value.strip()),
    listed_by="crmctl unit-groups list",
)
price_list_id = name_resolver(
    "price list",
    lambda session: Stubs(session).price_lists.ListPriceLists,
    lambda value: price_lists_pb2.ListPriceListsRequest(query=value.strip()),
    listed_by="crmctl price-lists list",
)
