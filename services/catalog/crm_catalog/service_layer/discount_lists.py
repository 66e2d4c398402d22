"""Use cases of discount lists."""

from __future__ import annotations

from crm_catalog.domain.discounts import DiscountList, DiscountType, RawTier
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_pricing_manager, require_reader
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument, NotFound
from crm_chassis.paging import Page, fetch_page


def load_discount_list(uow: CatalogUnitOfWork, id: str, field: str = "id") -> DiscountList:
    discount_list = uow.discount_lists.get(id) if id else None
    if discount_list is None:
        raise NotFound(f"no discount list with id '{id}'", field=field)
    return discount_list


def create_discount_list(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    type: DiscountType | None,
    tiers: list[RawTier],
    currency: str = "",
    quantity_decimals: int = 0,
) -> DiscountList:
    """``tiers``: dicts with low, high ("" = open) and value, as decimal strings."""
    require_pricing_manager(caller)
    if type is None:
        raise InvalidArgument("type is required: amount or percentage", field="type")
    with deps.uow() as uow:
        discount_list = DiscountList.create(
            id=deps.ids.new_id(),
            name=name,
            type=type,
            currency=currency,
            tiers=tiers,
            quantity_decimals=quantity_decimals,
            now=deps.clock.now(),
        )
        uow.discount_lists.add(discount_list)
        event_messages.discount_list_changed(uow, discount_list, caller, created=True)
        uow.commit()
    return discount_list


def get_discount_list(deps: Dependencies, caller: Caller, id: str) -> DiscountList:
    require_reader(caller)
    with deps.uow() as uow:
        return load_discount_list(uow, id)


def list_discount_lists(
    deps: Dependencies, caller: Caller, *, query: str = "", page_size: int = 0, cursor: str = ""
) -> Page[DiscountList]:
    require_reader(caller)
    with deps.uow() as uow:
        return fetch_page(
            lambda after, limit: uow.discount_lists.list_page(
                query=query.strip(), after=after, limit=limit
            ),
            uow.discount_lists.sort_key,
            page_size,
            cursor,
        )


def update_discount_list(
    deps: Dependencies,
    caller: Caller,
    *,
    id: str,
    name: str = "",
    tiers: list[RawTier] | None = None,
    quantity_decimals: int | None = None,
    expected_version: int = 0,
) -> DiscountList:
    """Renames (non-empty ``name``) and/or replaces the whole tier set (``tiers`` not None).
    Price lists refer to the list by id, so every item using it gets the new tiers; quotes
    priced before keep theirs through "as of"."""
    require_pricing_manager(caller)
    if not name and tiers is None and quantity_decimals is None:
        raise InvalidArgument(
            "nothing to change: give a new name and/or a new tier set", field="name"
        )
    with deps.uow() as uow:
        discount_list = load_discount_list(uow, id)
        discount_list.check_version(expected_version, "discount list")
        changed = discount_list.update(
            name=name or None,
            tiers=tiers,
            quantity_decimals=quantity_decimals,
            now=deps.clock.now(),
        )
        if changed:
            uow.discount_lists.update(discount_list)
            event_messages.discount_list_changed(uow, discount_list, caller, fields=changed)
            uow.commit()
    return discount_list
