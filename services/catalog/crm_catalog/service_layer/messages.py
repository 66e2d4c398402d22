"""Domain aggregates as the protobuf messages of protos/crm/catalog/v1.

Used for the events (state-carried: each event holds the whole aggregate) and reused by the gRPC
servicers for responses, so an event and a Get answer always show the same thing.
"""
from __future__ import annotations

import datetime as dt

from crm.catalog.v1 import (discount_lists_pb2, events_pb2, price_lists_pb2, products_pb2,
                            units_pb2)
from crm.common.v1 import money_pb2

from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.domain.money import format_amount, format_decimal
from crm_catalog.domain.price_lists import PriceList, PriceListItem, ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import Product, ProductStatus
from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_catalog.domain.units import UnitGroup

PRODUCT_STATUS = {ProductStatus.DRAFT: products_pb2.PRODUCT_STATUS_DRAFT,
                  ProductStatus.ACTIVE: products_pb2.PRODUCT_STATUS_ACTIVE,
                  ProductStatus.RETIRED: products_pb2.PRODUCT_STATUS_RETIRED}
DISCOUNT_TYPE = {DiscountType.AMOUNT: discount_lists_pb2.DISCOUNT_TYPE_AMOUNT,
                 DiscountType.PERCENTAGE: discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE}
PRICING_METHOD = {method: price_lists_pb2.PricingMethod.Value(f"PRICING_METHOD_{method.name}")
                  for method in PricingMethod}
ROUNDING_MODE = {mode: price_lists_pb2.RoundingMode.Value(f"ROUNDING_MODE_{mode.name}")
                 for mode in RoundingMode}
ROUNDING_OPTION = {option: price_lists_pb2.RoundingOption.Value(f"ROUNDING_OPTION_{option.name}")
                   for option in RoundingOption}
SCOPE_KIND = {kind: price_lists_pb2.ScopeKind.Value(f"SCOPE_KIND_{kind.name}")
              for kind in ScopeKind}
CREATED, UPDATED = events_pb2.CHANGE_KIND_CREATED, events_pb2.CHANGE_KIND_UPDATED


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def money(amount, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount=format_amount(amount, currency), currency=currency)


def unit_group_message(group: UnitGroup) -> units_pb2.UnitGroup:
    message = units_pb2.UnitGroup(id=group.id, name=group.name, base_unit=group.base_unit,
                                  version=group.version)
    for unit in group.units.values():
        message.units.add(name=unit.name, quantity=format_decimal(unit.quantity),
                          of_unit=unit.of_unit, base_quantity=format_decimal(unit.base_quantity))
    message.created_at.FromDatetime(group.created_at)
    message.updated_at.FromDatetime(group.updated_at)
    return message


def product_message(product: Product) -> products_pb2.Product:
    message = products_pb2.Product(
        id=product.id, sku=product.sku, name=product.name, description=product.description,
        family=product.family, unit_group_id=product.unit_group_id,
        default_unit=product.default_unit,
        list_price=money(product.list_price, product.currency),
        standard_cost=money(product.standard_cost, product.currency),
        current_cost=money(product.current_cost, product.currency),
        quantity_decimals=product.quantity_decimals, status=PRODUCT_STATUS[product.status],
        valid_from=_date(product.valid_from), valid_to=_date(product.valid_to),
        version=product.version)
    if product.retired_at:
        message.retired_at.FromDatetime(product.retired_at)
    message.created_at.FromDatetime(product.created_at)
    message.updated_at.FromDatetime(product.updated_at)
    return message


def rounding_message(policy: RoundingPolicy) -> price_lists_pb2.RoundingPolicy:
    if policy.mode is RoundingMode.NONE:
        return price_lists_pb2.RoundingPolicy(mode=price_lists_pb2.ROUNDING_MODE_NONE)
    return price_lists_pb2.RoundingPolicy(mode=ROUNDING_MODE[policy.mode],
                                          option=ROUNDING_OPTION[policy.option],
                                          amount=format_decimal(policy.amount))


def item_message(item: PriceListItem) -> price_lists_pb2.PriceListItem:
    return price_lists_pb2.PriceListItem(
        product_id=item.product_id, sku=item.sku, unit=item.unit,
        method=PRICING_METHOD[item.method], value=format_decimal(item.value),
        rounding=rounding_message(item.rounding), discount_list_id=item.discount_list_id)


def price_list_message(price_list: PriceList, *,
                       with_items: bool = True) -> price_lists_pb2.PriceList:
    """Items ordered by SKU, then unit (case-insensitive)."""
    message = price_lists_pb2.PriceList(
        id=price_list.id, name=price_list.name, currency=price_list.currency,
        valid_from=_date(price_list.valid_from), valid_to=_date(price_list.valid_to),
        scope=price_lists_pb2.PriceListScope(kind=SCOPE_KIND[price_list.scope.kind],
                                             ids=sorted(price_list.scope.ids)),
        item_count=len(price_list.items), version=price_list.version)
    if with_items:
        items = sorted(price_list.items.values(),
                       key=lambda i: (i.sku or i.product_id, i.unit.casefold()))
        message.items.extend(item_message(item) for item in items)
    message.created_at.FromDatetime(price_list.created_at)
    message.updated_at.FromDatetime(price_list.updated_at)
    return message


def discount_list_message(discount_list: DiscountList) -> discount_lists_pb2.DiscountList:
    message = discount_lists_pb2.DiscountList(
        id=discount_list.id, name=discount_list.name, type=DISCOUNT_TYPE[discount_list.type],
        currency=discount_list.currency, quantity_decimals=discount_list.quantity_decimals,
        version=discount_list.version)
    for tier in discount_list.tiers:
        message.tiers.add(low=format_decimal(tier.low),
                          high="" if tier.high is None else format_decimal(tier.high),
                          value=format_decimal(tier.value))
    message.created_at.FromDatetime(discount_list.created_at)
    message.updated_at.FromDatetime(discount_list.updated_at)
    return message


# Reverse maps for the servicers: proto enum value -> domain enum (UNSPECIFIED -> None, which the
# use cases refuse with a clear message where a value is required).
PRICING_METHOD_FROM_PROTO = {value: method for method, value in PRICING_METHOD.items()}
ROUNDING_MODE_FROM_PROTO = {value: mode for mode, value in ROUNDING_MODE.items()}
ROUNDING_OPTION_FROM_PROTO = {value: option for option, value in ROUNDING_OPTION.items()}
SCOPE_KIND_FROM_PROTO = {value: kind for kind, value in SCOPE_KIND.items()}
DISCOUNT_TYPE_FROM_PROTO = {value: kind for kind, value in DISCOUNT_TYPE.items()}
PRODUCT_STATUS_FROM_PROTO = {value: status for status, value in PRODUCT_STATUS.items()}
