"""Use cases of unit groups."""

from __future__ import annotations

from collections.abc import Callable

from crm_catalog.domain.units import UnitGroup, unit_key
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_catalog_manager, require_reader
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.errors import FailedPrecondition, NotFound
from crm_chassis.paging import Page, fetch_page


def load_unit_group(uow: CatalogUnitOfWork, id: str, field: str = "id") -> UnitGroup:
    group = uow.unit_groups.get(id) if id else None
    if group is None:
        raise NotFound(f"no unit group with id '{id}'", field=field)
    return group


def create_unit_group(
    deps: Dependencies, caller: Caller, *, name: str, base_unit: str
) -> UnitGroup:
    require_catalog_manager(caller)
    with deps.uow() as uow:
        group = UnitGroup.create(
            id=deps.ids.new_id(), name=name, base_unit=base_unit, now=deps.clock.now()
        )
        uow.unit_groups.add(group)
        event_messages.unit_group_changed(uow, group, caller, created=True)
        uow.commit()
    return group


def get_unit_group(deps: Dependencies, caller: Caller, id: str) -> UnitGroup:
    require_reader(caller)
    with deps.uow() as uow:
        return load_unit_group(uow, id)


def list_unit_groups(
    deps: Dependencies, caller: Caller, *, query: str = "", page_size: int = 0, cursor: str = ""
) -> Page[UnitGroup]:
    require_reader(caller)
    with deps.uow() as uow:
        return fetch_page(
            lambda after, limit: uow.unit_groups.list_page(
                query=query.strip(), after=after, limit=limit
            ),
            uow.unit_groups.sort_key,
            page_size,
            cursor,
        )


def _change(
    deps: Dependencies,
    caller: Caller,
    id: str,
    expected_version: int,
    change: Callable[[CatalogUnitOfWork, UnitGroup], object],
    field: str,
) -> UnitGroup:
    require_catalog_manager(caller)
    with deps.uow() as uow:
        group = load_unit_group(uow, id, "unit_group_id" if field == "units" else "id")
        group.check_version(expected_version, "unit group")
        version = group.version
        change(uow, group)
        if group.version != version:
            uow.unit_groups.update(group)
            event_messages.unit_group_changed(uow, group, caller, fields=[field])
            uow.commit()
    return group


def rename_unit_group(
    deps: Dependencies, caller: Caller, *, id: str, name: str, expected_version: int = 0
) -> UnitGroup:
    return _change(
        deps,
        caller,
        id,
        expected_version,
        lambda _, group: group.rename(name, deps.clock.now()),
        "name",
    )


def add_unit(
    deps: Dependencies,
    caller: Caller,
    *,
    unit_group_id: str,
    name: str,
    quantity: str,
    of_unit: str,
    expected_version: int = 0,
) -> UnitGroup:
    return _change(
        deps,
        caller,
        unit_group_id,
        expected_version,
        lambda _, group: group.add_unit(name, quantity, of_unit, deps.clock.now()),
        "units",
    )


def remove_unit(
    deps: Dependencies, caller: Caller, *, unit_group_id: str, name: str, expected_version: int = 0
) -> UnitGroup:
    def remove(uow: CatalogUnitOfWork, group: UnitGroup) -> None:
        unit = group.unit(name)
        if unit is not None:
            _check_unit_unused(uow, group, unit.name)
        group.remove_unit(name, deps.clock.now())

    return _change(deps, caller, unit_group_id, expected_version, remove, "units")


def _check_unit_unused(uow: CatalogUnitOfWork, group: UnitGroup, unit: str) -> None:
    """Products and price list items are other aggregates: a unit they use must stay, and
    past revisions keep their own copy of the group, so "as of" pricing is unaffected."""
    product_ids = uow.products.ids_in_unit_group(group.id)
    products = [uow.products.get(pid) for pid in sorted(product_ids)]
    defaults = sorted(p.sku for p in products if p and unit_key(p.default_unit) == unit_key(unit))
    if defaults:
        raise FailedPrecondition(
            f"unit '{unit}' is the default unit of {', '.join(defaults[:10])}"
            + (" and more" if len(defaults) > 10 else "")
            + "; change their default unit first",
            field="name",
        )
    users = sorted(
        pl.name
        for pl in uow.price_lists.pricing_any_of(product_ids)
        if pl.uses_unit(product_ids, unit)
    )
    if users:
        raise FailedPrecondition(
            f"unit '{unit}' is priced in price lists {', '.join(users[:10])}; remove those "
            "items first",
            field="name",
        )
