"""Aggregates as JSON documents and back, exactly (the revision tables store these).

Decimals are written with ``str`` (which keeps their exponent, so 12.00 stays 12.00), dates and
datetimes in ISO 8601, enums by value. A snapshot read back equals the aggregate written, field
for field; that is what makes an "as of" read price exactly as the original call did.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from crm_catalog.domain.discounts import DiscountList, DiscountType, Tier
from crm_catalog.domain.price_lists import PriceList, PriceListItem, Scope, ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import Product, ProductStatus
from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_catalog.domain.units import Unit, UnitGroup


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _read_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _read_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _dumps(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _base(aggregate) -> dict:
    return {
        "id": aggregate.id,
        "version": aggregate.version,
        "created_at": aggregate.created_at.isoformat(),
        "updated_at": aggregate.updated_at.isoformat(),
    }


def _base_fields(doc: dict) -> dict:
    return dict(
        id=doc["id"],
        version=doc["version"],
        created_at=_read_time(doc["created_at"]),
        updated_at=_read_time(doc["updated_at"]),
    )


# ---------------------------------------------------------------------------- unit groups
def dump_unit_group(group: UnitGroup) -> str:
    return _dumps(
        dict(
            _base(group),
            name=group.name,
            base_unit=group.base_unit,
            units=[
                [u.name, str(u.quantity), u.of_unit, str(u.base_quantity)]
                for u in group.units.values()
            ],
        )
    )


def load_unit_group(text: str) -> UnitGroup:
    doc = json.loads(text)
    group = UnitGroup(**_base_fields(doc), name=doc["name"], base_unit=doc["base_unit"])
    for name, quantity, of_unit, base_quantity in doc["units"]:
        unit = Unit(name, Decimal(quantity), of_unit, Decimal(base_quantity))
        group.units[unit.key] = unit
    return group


# ---------------------------------------------------------------------------- products
def dump_product(product: Product) -> str:
    return _dumps(
        dict(
            _base(product),
            sku=product.sku,
            name=product.name,
            description=product.description,
            family=product.family,
            unit_group_id=product.unit_group_id,
            default_unit=product.default_unit,
            currency=product.currency,
            list_price=str(product.list_price),
            standard_cost=str(product.standard_cost),
            current_cost=str(product.current_cost),
            quantity_decimals=product.quantity_decimals,
            status=product.status.value,
            valid_from=_date(product.valid_from),
            valid_to=_date(product.valid_to),
            retired_at=product.retired_at.isoformat() if product.retired_at else None,
        )
    )


def load_product(text: str) -> Product:
    doc = json.loads(text)
    return Product(
        **_base_fields(doc),
        sku=doc["sku"],
        name=doc["name"],
        description=doc["description"],
        family=doc["family"],
        unit_group_id=doc["unit_group_id"],
        default_unit=doc["default_unit"],
        currency=doc["currency"],
        list_price=Decimal(doc["list_price"]),
        standard_cost=Decimal(doc["standard_cost"]),
        current_cost=Decimal(doc["current_cost"]),
        quantity_decimals=doc["quantity_decimals"],
        status=ProductStatus(doc["status"]),
        valid_from=_read_date(doc["valid_from"]),
        valid_to=_read_date(doc["valid_to"]),
        retired_at=_read_time(doc["retired_at"]),
    )


# ---------------------------------------------------------------------------- price lists
def _dump_rounding(policy: RoundingPolicy) -> list:
    return [policy.mode.value, policy.option.value, str(policy.amount)]


def _load_rounding(raw: list) -> RoundingPolicy:
    mode, option, amount = raw
    return RoundingPolicy(RoundingMode(mode), RoundingOption(option), Decimal(amount))


def dump_price_list(price_list: PriceList) -> str:
    return _dumps(
        dict(
            _base(price_list),
            name=price_list.name,
            currency=price_list.currency,
            valid_from=_date(price_list.valid_from),
            valid_to=_date(price_list.valid_to),
            scope={"kind": price_list.scope.kind.value, "ids": sorted(price_list.scope.ids)},
            items=[
                [
                    i.product_id,
                    i.unit,
                    i.method.value,
                    str(i.value),
                    _dump_rounding(i.rounding),
                    i.discount_list_id,
                    i.sku,
                ]
                for i in price_list.items.values()
            ],
        )
    )


def load_price_list(text: str) -> PriceList:
    doc = json.loads(text)
    price_list = PriceList(
        **_base_fields(doc),
        name=doc["name"],
        currency=doc["currency"],
        valid_from=_read_date(doc["valid_from"]),
        valid_to=_read_date(doc["valid_to"]),
        scope=Scope(ScopeKind(doc["scope"]["kind"]), frozenset(doc["scope"]["ids"])),
    )
    for product_id, unit, method, value, rounding, discount_list_id, *rest in doc["items"]:
        # Items written before the SKU was stored have six fields (migration 0002 fills it in;
        # such an item still reads, with an empty SKU).
        item = PriceListItem(
            product_id,
            unit,
            PricingMethod(method),
            Decimal(value),
            _load_rounding(rounding),
            discount_list_id,
            rest[0] if rest else "",
        )
        price_list.items[item.key] = item
    return price_list


# ---------------------------------------------------------------------------- discount lists
def dump_discount_list(discount_list: DiscountList) -> str:
    return _dumps(
        dict(
            _base(discount_list),
            name=discount_list.name,
            type=discount_list.type.value,
            currency=discount_list.currency,
            quantity_decimals=discount_list.quantity_decimals,
            tiers=[
                [str(t.low), None if t.high is None else str(t.high), str(t.value)]
                for t in discount_list.tiers
            ],
        )
    )


def load_discount_list(text: str) -> DiscountList:
    doc = json.loads(text)
    return DiscountList(
        **_base_fields(doc),
        name=doc["name"],
        type=DiscountType(doc["type"]),
        currency=doc["currency"],
        quantity_decimals=doc["quantity_decimals"],
        tiers=tuple(
            Tier(Decimal(low), None if high is None else Decimal(high), Decimal(value))
            for low, high, value in doc["tiers"]
        ),
    )
