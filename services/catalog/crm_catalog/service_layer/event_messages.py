"""The catalog's events, and the aggregates as the protobuf messages of protos/crm/catalog/v1.

Events are state-carried: each holds the whole aggregate after the change, and is emitted
through the unit of work (so through the outbox, in the same transaction as the change). The
aggregate messages are reused by the gRPC responses (adapters/grpc_mapping.py), so an event and
a Get answer always show the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from crm.catalog.v1 import (
    discount_lists_pb2,
    events_pb2,
    exchange_rates_pb2,
    price_lists_pb2,
    products_pb2,
    units_pb2,
)
from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.domain.exchange_rates import ExchangeRate
from crm_catalog.domain.price_lists import PriceList, PriceListItem, ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import Product, ProductStatus
from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_catalog.domain.units import UnitGroup
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.wire import enums, money
from crm_chassis.wire.decimals import format_decimal

UNIT_GROUP_CHANGED = "unit_group_changed"
PRODUCT_CHANGED = "product_changed"
PRICE_LIST_CHANGED = "price_list_changed"
DISCOUNT_LIST_CHANGED = "discount_list_changed"

# Domain enum -> proto number, by name (crm_chassis.wire.enums); computed once, read per line.
PRODUCT_STATUS = {
    status: enums.from_domain(products_pb2.ProductStatus, status) for status in ProductStatus
}
DISCOUNT_TYPE = {
    kind: enums.from_domain(discount_lists_pb2.DiscountType, kind) for kind in DiscountType
}
PRICING_METHOD = {
    method: enums.from_domain(price_lists_pb2.PricingMethod, method) for method in PricingMethod
}
ROUNDING_MODE = {
    mode: enums.from_domain(price_lists_pb2.RoundingMode, mode) for mode in RoundingMode
}
ROUNDING_OPTION = {
    option: enums.from_domain(price_lists_pb2.RoundingOption, option) for option in RoundingOption
}
SCOPE_KIND = {kind: enums.from_domain(price_lists_pb2.ScopeKind, kind) for kind in ScopeKind}
CREATED, UPDATED = events_pb2.CHANGE_KIND_CREATED, events_pb2.CHANGE_KIND_UPDATED


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def unit_group_message(group: UnitGroup) -> units_pb2.UnitGroup:
    message = units_pb2.UnitGroup(
        id=group.id, name=group.name, base_unit=group.base_unit, version=group.version
    )
    for unit in group.units.values():
        message.units.add(
            name=unit.name,
            quantity=format_decimal(unit.quantity),
            of_unit=unit.of_unit,
            base_quantity=format_decimal(unit.base_quantity),
        )
    message.created_at.FromDatetime(group.created_at)
    message.updated_at.FromDatetime(group.updated_at)
    return message


def product_message(product: Product) -> products_pb2.Product:
    message = products_pb2.Product(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        family=product.family,
        unit_group_id=product.unit_group_id,
        default_unit=product.default_unit,
        list_price=money.to_proto(product.list_price, product.currency),
        standard_cost=money.to_proto(product.standard_cost, product.currency),
        current_cost=money.to_proto(product.current_cost, product.currency),
        quantity_decimals=product.quantity_decimals,
        status=PRODUCT_STATUS[product.status],
        valid_from=_date(product.valid_from),
        valid_to=_date(product.valid_to),
        version=product.version,
    )
    if product.retired_at:
        message.retired_at.FromDatetime(product.retired_at)
    message.created_at.FromDatetime(product.created_at)
    message.updated_at.FromDatetime(product.updated_at)
    return message


def rounding_message(policy: RoundingPolicy) -> price_lists_pb2.RoundingPolicy:
    if policy.mode is RoundingMode.NONE:
        return price_lists_pb2.RoundingPolicy(mode=price_lists_pb2.ROUNDING_MODE_NONE)
    return price_lists_pb2.RoundingPolicy(
        mode=ROUNDING_MODE[policy.mode],
        option=ROUNDING_OPTION[policy.option],
        amount=format_decimal(policy.amount),
    )


def item_message(item: PriceListItem) -> price_lists_pb2.PriceListItem:
    return price_lists_pb2.PriceListItem(
        product_id=item.product_id,
        sku=item.sku,
        unit=item.unit,
        method=PRICING_METHOD[item.method],
        value=format_decimal(item.value),
        rounding=rounding_message(item.rounding),
        discount_list_id=item.discount_list_id,
    )


def price_list_message(
    price_list: PriceList, *, with_items: bool = True
) -> price_lists_pb2.PriceList:
    """Items ordered by SKU, then unit (case-insensitive)."""
    message = price_lists_pb2.PriceList(
        id=price_list.id,
        name=price_list.name,
        currency=price_list.currency,
        valid_from=_date(price_list.valid_from),
        valid_to=_date(price_list.valid_to),
        scope=price_lists_pb2.PriceListScope(
            kind=SCOPE_KIND[price_list.scope.kind], ids=sorted(price_list.scope.ids)
        ),
        item_count=len(price_list.items),
        version=price_list.version,
    )
    if with_items:
        items = sorted(
            price_list.items.values(), key=lambda i: (i.sku or i.product_id, i.unit.casefold())
        )
        message.items.extend(item_message(item) for item in items)
    message.created_at.FromDatetime(price_list.created_at)
    message.updated_at.FromDatetime(price_list.updated_at)
    return message


def discount_list_message(discount_list: DiscountList) -> discount_lists_pb2.DiscountList:
    message = discount_lists_pb2.DiscountList(
        id=discount_list.id,
        name=discount_list.name,
        type=DISCOUNT_TYPE[discount_list.type],
        currency=discount_list.currency,
        quantity_decimals=discount_list.quantity_decimals,
        version=discount_list.version,
    )
    for tier in discount_list.tiers:
        message.tiers.add(
            low=format_decimal(tier.low),
            high="" if tier.high is None else format_decimal(tier.high),
            value=format_decimal(tier.value),
        )
    message.created_at.FromDatetime(discount_list.created_at)
    message.updated_at.FromDatetime(discount_list.updated_at)
    return message


# ---------------------------------------------------------------------------- events
def _change(created: bool) -> events_pb2.ChangeKind.ValueType:
    return CREATED if created else UPDATED


def unit_group_changed(
    uow: CatalogUnitOfWork,
    group: UnitGroup,
    caller: Caller,
    *,
    created: bool = False,
    fields: Sequence[str] = (),
) -> None:
    event = events_pb2.UnitGroupChanged(
        change=_change(created), changed_fields=list(fields), unit_group=unit_group_message(group)
    )
    uow.emit(
        UNIT_GROUP_CHANGED,
        event,
        aggregate_type="unit_group",
        aggregate_id=group.id,
        aggregate_version=group.version,
        actor=caller.actor,
    )


def product_changed(
    uow: CatalogUnitOfWork,
    product: Product,
    caller: Caller,
    *,
    created: bool = False,
    fields: Sequence[str] = (),
) -> None:
    event = events_pb2.ProductChanged(
        change=_change(created), changed_fields=list(fields), product=product_message(product)
    )
    uow.emit(
        PRODUCT_CHANGED,
        event,
        aggregate_type="product",
        aggregate_id=product.id,
        aggregate_version=product.version,
        actor=caller.actor,
    )


def price_list_changed(
    uow: CatalogUnitOfWork,
    price_list: PriceList,
    caller: Caller,
    *,
    created: bool = False,
    fields: Sequence[str] = (),
) -> None:
    event = events_pb2.PriceListChanged(
        change=_change(created),
        changed_fields=list(fields),
        price_list=price_list_message(price_list),
    )
    uow.emit(
        PRICE_LIST_CHANGED,
        event,
        aggregate_type="price_list",
        aggregate_id=price_list.id,
        aggregate_version=price_list.version,
        actor=caller.actor,
    )


def discount_list_changed(
    uow: CatalogUnitOfWork,
    discount_list: DiscountList,
    caller: Caller,
    *,
    created: bool = False,
    fields: Sequence[str] = (),
) -> None:
    event = events_pb2.DiscountListChanged(
        change=_change(created),
        changed_fields=list(fields),
        discount_list=discount_list_message(discount_list),
    )
    uow.emit(
        DISCOUNT_LIST_CHANGED,
        event,
        aggregate_type="discount_list",
        aggregate_id=discount_list.id,
        aggregate_version=discount_list.version,
        actor=caller.actor,
    )


# --- exchange rates -------------------------------------------------------------------------

EXCHANGE_RATE_SET = "exchange_rate_set"
EXCHANGE_RATE_SNAPSHOT = "exchange_rate_snapshot"


def exchange_rate_message(rate: ExchangeRate) -> exchange_rates_pb2.ExchangeRate:
    message = exchange_rates_pb2.ExchangeRate(
        base=rate.base,
        quote=rate.quote,
        effective_on=rate.effective_on.isoformat(),
        rate=f"{rate.rate:f}",
        source=rate.source,
        set_by=rate.set_by,
    )
    message.set_at.FromDatetime(rate.set_at)
    return message


def exchange_rate_set(uow: CatalogUnitOfWork, rate: ExchangeRate, caller: Caller) -> None:
    uow.emit(
        EXCHANGE_RATE_SET,
        exchange_rates_pb2.ExchangeRateSet(rate=exchange_rate_message(rate)),
        aggregate_type="exchange_rate",
        aggregate_id=rate.key,
        aggregate_version=rate.version,
        actor=caller.actor,
    )


def exchange_rate_snapshot(uow: CatalogUnitOfWork, rate: ExchangeRate, caller: Caller) -> None:
    """The rate's current state at its current version (the backfill, service_layer/snapshots)."""
    uow.emit(
        EXCHANGE_RATE_SNAPSHOT,
        exchange_rates_pb2.ExchangeRateSnapshot(rate=exchange_rate_message(rate)),
        aggregate_type="exchange_rate",
        aggregate_id=rate.key,
        aggregate_version=rate.version,
        actor=caller.actor,
    )
