"""Use cases of products."""
from __future__ import annotations

from crm_chassis.auth.principal import Principal
from crm_chassis.errors import AlreadyExists, InvalidArgument, NotFound

from crm_catalog.domain.aggregate import parse_date
from crm_catalog.domain.products import Product, ProductStatus, normalise_sku
from crm_catalog.service_layer import events
from crm_catalog.service_layer.authorization import require_catalog_manager, require_reader
from crm_catalog.service_layer.paging import Page, fetch_page
from crm_catalog.service_layer.ports import Clock, new_id, system_clock
from crm_catalog.service_layer.repositories import ProductFilter
from crm_catalog.service_layer.unit_groups import load_unit_group
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork


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


def create_product(uow: CatalogUnitOfWork, principal: Principal | None, *, sku: str, name: str,
                   unit_group_id: str, default_unit: str, currency: str, list_price: str,
                   standard_cost: str = "", current_cost: str = "", description: str = "",
                   family: str = "", quantity_decimals: int = 0, valid_from: str = "",
                   valid_to: str = "", clock: Clock = system_clock) -> Product:
    caller = require_catalog_manager(principal)
    with uow:
        group = load_unit_group(uow, unit_group_id, "unit_group_id")
        product = Product.create(
            id=new_id(), sku=sku, name=name, unit_group=group, default_unit=default_unit,
            currency=currency, list_price=list_price, standard_cost=standard_cost or "0",
            current_cost=current_cost or "0", description=description, family=family,
            quantity_decimals=quantity_decimals, valid_from=parse_date(valid_from, "valid_from"),
            valid_to=parse_date(valid_to, "valid_to"), now=clock())
        if uow.products.get_by_sku(product.sku) is not None:
            raise AlreadyExists(f"SKU {product.sku} is already used by another product",
                                field="sku")
        uow.products.add(product)
        events.product_changed(uow, product, caller, created=True)
        uow.commit()
    return product


def get_product(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str = "",
                sku: str = "") -> Product:
    require_reader(principal)
    with uow:
        return find_product(uow, id=id, sku=sku)


def list_products(uow: CatalogUnitOfWork, principal: Principal | None, *,
                  status: ProductStatus | None = None, family: str = "", query: str = "",
                  unit_group_id: str = "", page_size: int = 0,
                  cursor: str = "") -> Page[Product]:
    require_reader(principal)
    filter = ProductFilter(status, family.strip(), query.strip(), unit_group_id.strip())
    with uow:
        return fetch_page(lambda after, limit: uow.products.list_page(filter, after=after,
                                                                      limit=limit),
                          uow.products.sort_key, page_size, cursor)


def update_product(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str,
                   changes: dict, amounts_currency: str = "", expected_version: int = 0,
                   clock: Clock = system_clock) -> Product:
    """``changes`` maps field names (see Product.UPDATABLE) to raw values; dates as strings.
    ``amounts_currency`` is the currency the caller wrote next to amounts, if any."""
    caller = require_catalog_manager(principal)
    if not changes:
        raise InvalidArgument("name at least one field to change in update_mask",
                              field="update_mask")
    with uow:
        product = load_product(uow, id)
        product.check_version(expected_version, "product")
        if amounts_currency and amounts_currency.strip().upper() != product.currency:
            raise InvalidArgument(f"product {product.sku} is priced in {product.currency}; "
                                  f"amounts in {amounts_currency} are not accepted (the currency "
                                  "of a product is fixed)", field="currency")
        values = dict(changes)
        for date_field in ("valid_from", "valid_to"):
            if date_field in values:
                values[date_field] = parse_date(values[date_field], date_field)
        group = load_unit_group(uow, product.unit_group_id, "unit_group_id")
        changed = product.update(values, unit_group=group, now=clock())
        if changed:
            uow.products.update(product)
            events.product_changed(uow, product, caller, fields=changed)
            uow.commit()
    return product


def activate_product(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str,
                     expected_version: int = 0, clock: Clock = system_clock) -> Product:
    return _lifecycle(uow, principal, id, expected_version, lambda p: p.activate(clock()))


def retire_product(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str,
                   expected_version: int = 0, clock: Clock = system_clock) -> Product:
    return _lifecycle(uow, principal, id, expected_version, lambda p: p.retire(clock()))


def _lifecycle(uow: CatalogUnitOfWork, principal: Principal | None, id: str,
               expected_version: int, transition) -> Product:
    caller = require_catalog_manager(principal)
    with uow:
        product = load_product(uow, id)
        product.check_version(expected_version, "product")
        transition(product)
        uow.products.update(product)
        events.product_changed(uow, product, caller, fields=["status"])
        uow.commit()
    return product
