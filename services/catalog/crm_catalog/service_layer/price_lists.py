"""Use cases of price lists and their items."""

from __future__ import annotations

from typing import Any

from crm_catalog.domain.aggregate import parse_date
from crm_catalog.domain.price_lists import PriceList, Scope, ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.rounding import RoundingMode, RoundingOption, RoundingPolicy
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_pricing_manager, require_reader
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.products import load_product
from crm_catalog.service_layer.repositories import PriceListFilter
from crm_catalog.service_layer.unit_groups import load_unit_group
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.currencies import check_currency
from crm_chassis.errors import InvalidArgument, NotFound
from crm_chassis.paging import Page, fetch_page


def load_price_list(uow: CatalogUnitOfWork, id: str, field: str = "id") -> PriceList:
    price_list = uow.price_lists.get(id) if id else None
    if price_list is None:
        raise NotFound(f"no price list with id '{id}'", field=field)
    return price_list


def create_price_list(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    currency: str,
    valid_from: str = "",
    valid_to: str = "",
    scope_kind: ScopeKind | None = None,
    scope_ids: list[str] | None = None,
) -> PriceList:
    require_pricing_manager(caller)
    scope = Scope.create(scope_kind or ScopeKind.DEFAULT, scope_ids)
    with deps.uow() as uow:
        price_list = PriceList.create(
            id=deps.ids.new_id(),
            name=name,
            currency=currency,
            valid_from=parse_date(valid_from, "valid_from"),
            valid_to=parse_date(valid_to, "valid_to"),
            scope=scope,
            now=deps.clock.now(),
        )
        uow.price_lists.add(price_list)
        event_messages.price_list_changed(uow, price_list, caller, created=True)
        uow.commit()
    return price_list


def get_price_list(deps: Dependencies, caller: Caller, id: str) -> PriceList:
    require_reader(caller)
    with deps.uow() as uow:
        return load_price_list(uow, id)


def list_price_lists(
    deps: Dependencies,
    caller: Caller,
    *,
    currency: str = "",
    valid_on: str = "",
    query: str = "",
    page_size: int = 0,
    cursor: str = "",
) -> Page[PriceList]:
    require_reader(caller)
    filter = PriceListFilter(
        check_currency(currency) if currency.strip() else "",
        parse_date(valid_on, "valid_on"),
        query.strip(),
    )
    with deps.uow() as uow:
        return fetch_page(
            lambda after, limit: uow.price_lists.list_page(filter, after=after, limit=limit),
            uow.price_lists.sort_key,
            page_size,
            cursor,
        )


def update_price_list(
    deps: Dependencies,
    caller: Caller,
    *,
    id: str,
    changes: dict[str, Any],
    expected_version: int = 0,
) -> PriceList:
    """``changes``: name, valid_from/valid_to ("YYYY-MM-DD" or ""), scope ((kind, ids))."""
    require_pricing_manager(caller)
    if not changes:
        raise InvalidArgument(
            "name at least one field to change in update_mask", field="update_mask"
        )
    values = dict(changes)
    for date_field in ("valid_from", "valid_to"):
        if date_field in values:
            values[date_field] = parse_date(values[date_field], date_field)
    if "scope" in values:
        kind, ids = values["scope"]
        values["scope"] = Scope.create(kind or ScopeKind.DEFAULT, ids)
    with deps.uow() as uow:
        price_list = load_price_list(uow, id)
        price_list.check_version(expected_version, "price list")
        changed = price_list.update(values, deps.clock.now())
        if changed:
            uow.price_lists.update(price_list)
            event_messages.price_list_changed(uow, price_list, caller, fields=changed)
            uow.commit()
    return price_list


def set_price_list_item(
    deps: Dependencies,
    caller: Caller,
    *,
    price_list_id: str,
    product_id: str,
    unit: str,
    method: PricingMethod | None,
    value: str,
    rounding_mode: RoundingMode | None = None,
    rounding_option: RoundingOption | None = None,
    rounding_amount: str = "",
    discount_list_id: str = "",
    expected_version: int = 0,
) -> PriceList:
    require_pricing_manager(caller)
    if method is None:
        raise InvalidArgument(
            "item.method is required: one of " + ", ".join(m.value for m in PricingMethod),
            field="item.method",
        )
    with deps.uow() as uow:
        price_list = load_price_list(uow, price_list_id, "price_list_id")
        price_list.check_version(expected_version, "price list")
        product = load_product(uow, product_id, "item.product_id")
        group = load_unit_group(uow, product.unit_group_id, "item.product_id")
        rounding = RoundingPolicy.create(
            rounding_mode or RoundingMode.NONE,
            rounding_option,
            rounding_amount,
            price_list.currency,
            "item.rounding",
        )
        discount_list = None
        if discount_list_id:
            discount_list = uow.discount_lists.get(discount_list_id)
            if discount_list is None:
                raise NotFound(
                    f"no discount list with id '{discount_list_id}'", field="item.discount_list_id"
                )
        version = price_list.version
        price_list.set_item(
            product=product,
            unit_group=group,
            unit=unit,
            method=method,
            value=value,
            rounding=rounding,
            discount_list=discount_list,
            now=deps.clock.now(),
        )
        if price_list.version != version:
            uow.price_lists.update(price_list)
            event_messages.price_list_changed(uow, price_list, caller, fields=["items"])
            uow.commit()
    return price_list


def remove_price_list_item(
    deps: Dependencies,
    caller: Caller,
    *,
    price_list_id: str,
    product_id: str,
    unit: str,
    expected_version: int = 0,
) -> PriceList:
    require_pricing_manager(caller)
    with deps.uow() as uow:
        price_list = load_price_list(uow, price_list_id, "price_list_id")
        price_list.check_version(expected_version, "price list")
        price_list.remove_item(product_id, unit, deps.clock.now())
        uow.price_lists.update(price_list)
        event_messages.price_list_changed(uow, price_list, caller, fields=["items"])
        uow.commit()
    return price_list
