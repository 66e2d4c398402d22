"""catalog's records as rows to print: enum values as lower-case words
(``currency_amount``), money as "12.00 EUR"."""

from __future__ import annotations

from crm.catalog.v1 import discount_lists_pb2, price_lists_pb2, products_pb2, units_pb2
from crmctl.output import message_to_dict
from crmctl.wire import enum_word, money_text


def _words(data: dict, **enum_types) -> dict:
    """The enum fields of ``data`` (``field=EnumType``) as words: PRODUCT_STATUS_ACTIVE ->
    active."""
    for field, enum_type in enum_types.items():
        if isinstance(data.get(field), str):
            data[field] = enum_word(enum_type, data[field])
    return data


def unit_group_row(group: units_pb2.UnitGroup) -> dict:
    data = message_to_dict(group)
    data["units"] = [
        f"{u.name} = {u.quantity} {u.of_unit}" if u.name != group.base_unit else f"{u.name} (base)"
        for u in group.units
    ]
    return data


def product_row(product: products_pb2.Product) -> dict:
    data = _words(message_to_dict(product), status=products_pb2.ProductStatus)
    for field in ("list_price", "standard_cost", "current_cost"):
        if field in data:
            data[field] = money_text(getattr(product, field))
    return data


def price_list_row(price_list: price_lists_pb2.PriceList) -> dict:
    data = message_to_dict(price_list)
    scope = price_list.scope
    kind = enum_word(price_lists_pb2.ScopeKind, scope.kind)
    data["scope"] = kind + (f": {', '.join(scope.ids)}" if scope.ids else "")
    for item, message in zip(data.get("items", []), price_list.items, strict=True):
        _words(item, method=price_lists_pb2.PricingMethod)
        mode = enum_word(price_lists_pb2.RoundingMode, message.rounding.mode)
        option = enum_word(price_lists_pb2.RoundingOption, message.rounding.option)
        item["rounding"] = (
            " ".join(filter(None, (mode, option, message.rounding.amount)))
            if mode not in ("", "none")
            else ""
        )
    return data


def discount_row(discount_list: discount_lists_pb2.DiscountList) -> dict:
    data = _words(message_to_dict(discount_list), type=discount_lists_pb2.DiscountType)
    data["tiers"] = [f"{t.low}..{t.high or 'more'}: {t.value}" for t in discount_list.tiers]
    return data
