"""The catalog's events, emitted through the unit of work (so through the outbox, in the same
transaction as the change). Each carries the whole aggregate after the change."""
from __future__ import annotations

from crm.catalog.v1 import events_pb2

from crm_chassis.auth.principal import Principal

from crm_catalog.domain.discounts import DiscountList
from crm_catalog.domain.price_lists import PriceList
from crm_catalog.domain.products import Product
from crm_catalog.domain.units import UnitGroup
from crm_catalog.service_layer import messages
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork

UNIT_GROUP_CHANGED = "unit_group_changed"
PRODUCT_CHANGED = "product_changed"
PRICE_LIST_CHANGED = "price_list_changed"
DISCOUNT_LIST_CHANGED = "discount_list_changed"


def _change(created: bool) -> int:
    return messages.CREATED if created else messages.UPDATED


def unit_group_changed(uow: CatalogUnitOfWork, group: UnitGroup, caller: Principal, *,
                       created: bool = False, fields: list[str] = ()) -> None:
    event = events_pb2.UnitGroupChanged(change=_change(created), changed_fields=list(fields),
                                        unit_group=messages.unit_group_message(group))
    uow.emit(UNIT_GROUP_CHANGED, event, aggregate_type="unit_group", aggregate_id=group.id,
             aggregate_version=group.version, actor=caller.actor())


def product_changed(uow: CatalogUnitOfWork, product: Product, caller: Principal, *,
                    created: bool = False, fields: list[str] = ()) -> None:
    event = events_pb2.ProductChanged(change=_change(created), changed_fields=list(fields),
                                      product=messages.product_message(product))
    uow.emit(PRODUCT_CHANGED, event, aggregate_type="product", aggregate_id=product.id,
             aggregate_version=product.version, actor=caller.actor())


def price_list_changed(uow: CatalogUnitOfWork, price_list: PriceList, caller: Principal, *,
                       created: bool = False, fields: list[str] = ()) -> None:
    event = events_pb2.PriceListChanged(
        change=_change(created), changed_fields=list(fields),
        price_list=messages.price_list_message(price_list))
    uow.emit(PRICE_LIST_CHANGED, event, aggregate_type="price_list", aggregate_id=price_list.id,
             aggregate_version=price_list.version, actor=caller.actor())


def discount_list_changed(uow: CatalogUnitOfWork, discount_list: DiscountList,
                          caller: Principal, *, created: bool = False,
                          fields: list[str] = ()) -> None:
    event = events_pb2.DiscountListChanged(
        change=_change(created), changed_fields=list(fields),
        discount_list=messages.discount_list_message(discount_list))
    uow.emit(DISCOUNT_LIST_CHANGED, event, aggregate_type="discount_list",
             aggregate_id=discount_list.id, aggregate_version=discount_list.version,
             actor=caller.actor())
