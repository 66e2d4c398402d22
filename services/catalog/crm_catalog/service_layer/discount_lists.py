"""Use cases of discount lists."""
from __future__ import annotations

from crm_chassis.auth.principal import Principal
from crm_chassis.errors import InvalidArgument, NotFound

from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.service_layer import events
from crm_catalog.service_layer.authorization import require_pricing_manager, require_reader
from crm_catalog.service_layer.paging import Page, fetch_page
from crm_catalog.service_layer.ports import Clock, new_id, system_clock
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork


def load_discount_list(uow: CatalogUnitOfWork, id: str, field: str = "id") -> DiscountList:
    discount_list = uow.discount_lists.get(id) if id else None
    if discount_list is None:
        raise NotFound(f"no discount list with id '{id}'", field=field)
    return discount_list


def create_discount_list(uow: CatalogUnitOfWork, principal: Principal | None, *, name: str,
                         type: DiscountType | None, tiers: list[dict], currency: str = "",
                         quantity_decimals: int = 0,
                         clock: Clock = system_clock) -> DiscountList:
    """``tiers``: dicts with low, high ("" = open) and value, as decimal strings."""
    caller = require_pricing_manager(principal)
    if type is None:
        raise InvalidArgument("type is required: amount or percentage", field="type")
    with uow:
        discount_list = DiscountList.create(id=new_id(), name=name, type=type, currency=currency,
                                            quantity_decimals=quantity_decimals, tiers=tiers,
                                            now=clock())
        uow.discount_lists.add(discount_list)
        events.discount_list_changed(uow, discount_list, caller, created=True)
        uow.commit()
    return discount_list


def get_discount_list(uow: CatalogUnitOfWork, principal: Principal | None,
                      id: str) -> DiscountList:
    require_reader(principal)
    with uow:
        return load_discount_list(uow, id)


def list_discount_lists(uow: CatalogUnitOfWork, principal: Principal | None, *,
                        query: str = "", page_size: int = 0,
                        cursor: str = "") -> Page[DiscountList]:
    require_reader(principal)
    with uow:
        return fetch_page(lambda after, limit: uow.discount_lists.list_page(
            query=query.strip(), after=after, limit=limit), uow.discount_lists.sort_key,
            page_size, cursor)


def update_discount_list(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str,
                         name: str = "", tiers: list[dict] | None = None,
                         quantity_decimals: int | None = None, expected_version: int = 0,
                         clock: Clock = system_clock) -> DiscountList:
    """Renames (non-empty ``name``) and/or replaces the whole tier set (``tiers`` not None).
    Price lists refer to the list by id, so every item using it gets the new tiers; quotes
    priced before keep theirs through "as of"."""
    caller = require_pricing_manager(principal)
    if not name and tiers is None and quantity_decimals is None:
        raise InvalidArgument("nothing to change: give a new name and/or a new tier set",
                              field="name")
    with uow:
        discount_list = load_discount_list(uow, id)
        discount_list.check_version(expected_version, "discount list")
        changed = discount_list.update(name=name or None, tiers=tiers,
                                       quantity_decimals=quantity_decimals, now=clock())
        if changed:
            uow.discount_lists.update(discount_list)
            events.discount_list_changed(uow, discount_list, caller, fields=changed)
            uow.commit()
    return discount_list
