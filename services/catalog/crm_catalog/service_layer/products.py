"""Use cases of products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_catalog.domain.aggregate import parse_date
from crm_catalog.domain.products import Product, ProductStatus, normalise_sku
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_catalog_manager, require_reader
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.repositories import ProductFilter
from crm_catalog.service_layer.unit_groups import load_unit_group
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, InvalidArgument, NotFound
from crm_chassis.paging import Page, fetch_page


def load_product(uow: CatalogUnitOfWork, id: str, field: str = "id") -> Product:
    product = uow.products.get(id) if id else None
    if product is None:
        raise NotFound(f"no product with id '{id}'", field=field)
    return product


def find_product(uow: CatalogUnitOfWork, *, id: str = "", sku: str = "") -> Product:
    if bool(id) == bool(sku):
        raise InvalidArgument("name the product by exactly one of id or sku", field="id")
    if id:
        return load_product(uow, id)
    product = uow.products.get_by_sku(normalise_sku(sku))
    if product is None:
        raise NotFound(f"no product with SKU '{sku}'", field="sku")
    return product


def create_product(
    deps: Dependencies,
    caller: Caller,
    *,
    sku: str,
    name: str,
    unit_group_id: str,
    default_unit: str,
    currency: str,
    list_price: str,
    standard_cost: str = "",
    current_cost: str = "",
    description: str = "",
    family: str = "",
    quantity_decimals: int = 0,
    valid_from: str = "",
    valid_to: str = "",
) -> Product:
    require_catalog_manager(caller)
    with deps.uow() as uow:
        group = load_unit_group(uow, unit_group_id, "unit_group_id")
        product = Product.create(
            id=deps.ids.new_id(),
            sku=sku,
            name=name,
            unit_group=group,
            default_unit=default_unit,
            currency=currency,
            list_price=list_price,
            standard_cost=standard_cost or "0",
            current_cost=current_cost or "0",
            description=description,
            family=family,
            quantity_decimals=quantity_decimals,
            valid_from=parse_date(valid_from, "valid_from"),
            valid_to=parse_date(valid_to, "valid_to"),
            now=deps.clock.now(),
        )
        if uow.products.get_by_sku(product.sku) is not None:
            raise AlreadyExists(
                f"SKU {product.sku} is already used by another product", field="sku"
            )
        uow.products.add(product)
        event_messages.product_changed(uow, product, caller, created=True)
        uow.commit()
    return product


def get_product(deps: Dependencies, caller: Caller, *, id: str = "", sku: str = "") -> Product:
    require_reader(caller)
    with deps.uow() as uow:
        return find_product(uow, id=id, sku=sku)


def list_products(
    deps: Dependencies,
    caller: Caller,
    *,
    status: ProductStatus | None = None,
    family: str = "",
    query: str = "",
    unit_group_id: str = "",
    page_size: int = 0,
    cursor: str = "",
) -> Page[Product]:
    require_reader(caller)
    filter = ProductFilter(status, family.strip(), query.strip(), unit_group_id.strip())
    with deps.uow() as uow:
        return fetch_page(
            lambda after, limit: uow.products.list_page(filter, after=after, limit=limit),
            uow.products.sort_key,
            page_size,
            cursor,
        )


def update_product(
    deps: Dependencies,
    caller: Caller,
    *,
    id: str,
    changes: dict[str, Any],
    amounts_currency: str = "",
    expected_version: int = 0,
) -> Product:
    """``changes`` maps field names (see Product.UPDATABLE) to raw values; dates as strings.
    ``amounts_currency`` is the currency the caller wrote next to amounts, if any."""
    require_catalog_manager(caller)
    if not changes:
        raise InvalidArgument(
            "name at least one field to change in update_mask", field="update_mask"
        )
    with deps.uow() as uow:
        product = load_product(uow, id)
        product.check_version(expected_version, "product")
        if amounts_currency and amounts_currency.strip().upper() != product.currency:
            raise InvalidArgument(
                f"product {product.sku} is priced in {product.currency}; "
                f"amounts in {amounts_currency} are not accepted (the currency "
                "of a product is fixed)",
                field="currency",
            )
        values = dict(changes)
        for date_field in ("valid_from", "valid_to"):
            if date_field in values:
                values[date_field] = parse_date(values[date_field], date_field)
        group = load_unit_group(uow, product.unit_group_id, "unit_group_id")
        changed = product.update(values, unit_group=group, now=deps.clock.now())
        if changed:
            uow.products.update(product)
            event_messages.product_changed(uow, product, caller, fields=changed)
            uow.commit()
    return product


def activate_product(
    deps: Dependencies, caller: Caller, *, id: str, expected_version: int = 0
) -> Product:
    return _lifecycle(deps, caller, id, expected_version, lambda p: p.activate(deps.clock.now()))


def retire_product(
    deps: Dependencies, caller: Caller, *, id: str, expected_version: int = 0
) -> Product:
    return _lifecycle(deps, caller, id, expected_version, lambda p: p.retire(deps.clock.now()))


def _lifecycle(
    deps: Dependencies,
    caller: Caller,
    id: str,
    expected_version: int,
    transition: Callable[[Product], None],
) -> Product:
    require_catalog_manager(caller)
    with deps.uow() as uow:
        product = load_product(uow, id)
        product.check_version(expected_version, "product")
        transition(product)
        uow.products.update(product)
        event_messages.product_changed(uow, product, caller, fields=["status"])
        uow.commit()
    return product
