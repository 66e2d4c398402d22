"""Use cases of unit groups."""
from __future__ import annotations

from crm_chassis.auth.principal import Principal
from crm_chassis.errors import FailedPrecondition, NotFound

from crm_catalog.domain.units import UnitGroup, unit_key
from crm_catalog.service_layer import events
from crm_catalog.service_layer.authorization import require_catalog_manager, require_reader
from crm_catalog.service_layer.paging import Page, fetch_page
from crm_catalog.service_layer.ports import Clock, new_id, system_clock
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork


def load_unit_group(uow: CatalogUnitOfWork, id: str, field: str = "id") -> UnitGroup:
    group = uow.unit_groups.get(id) if id else None
    if group is None:
        raise NotFound(f"no unit group with id '{id}'", field=field)
    return group


def create_unit_group(uow: CatalogUnitOfWork, principal: Principal | None, *, name: str,
                      base_unit: str, clock: Clock = system_clock) -> UnitGroup:
    caller = require_catalog_manager(principal)
    with uow:
        group = UnitGroup.create(id=new_id(), name=name, base_unit=base_unit, now=clock())
        uow.unit_groups.add(group)
        events.unit_group_changed(uow, group, caller, created=True)
        uow.commit()
    return group


def get_unit_group(uow: CatalogUnitOfWork, principal: Principal | None, id: str) -> UnitGroup:
    require_reader(principal)
    with uow:
        return load_unit_group(uow, id)


def list_unit_groups(uow: CatalogUnitOfWork, principal: Principal | None, *, query: str = "",
                     page_size: int = 0, cursor: str = "") -> Page[UnitGroup]:
    require_reader(principal)
    with uow:
        return fetch_page(lambda after, limit: uow.unit_groups.list_page(
            query=query.strip(), after=after, limit=limit), uow.unit_groups.sort_key,
            page_size, cursor)


def _change(uow: CatalogUnitOfWork, principal: Principal | None, id: str,
            expected_version: int, change, field: str) -> UnitGroup:
    caller = require_catalog_manager(principal)
    with uow:
        group = load_unit_group(uow, id, "unit_group_id" if field == "units" else "id")
        group.check_version(expected_version, "unit group")
        version = group.version
        change(uow, group)
        if group.version != version:
            uow.unit_groups.update(group)
            events.unit_group_changed(uow, group, caller, fields=[field])
            uow.commit()
    return group


def rename_unit_group(uow: CatalogUnitOfWork, principal: Principal | None, *, id: str,
                      name: str, expected_version: int = 0,
                      clock: Clock = system_clock) -> UnitGroup:
    return _change(uow, principal, id, expected_version,
                   lambda _, group: group.rename(name, clock()), "name")


def add_unit(uow: CatalogUnitOfWork, principal: Principal | None, *, unit_group_id: str,
             name: str, quantity: str, of_unit: str, expected_version: int = 0,
             clock: Clock = system_clock) -> UnitGroup:
    return _change(uow, principal, unit_group_id, expected_version,
                   lambda _, group: group.add_unit(name, quantity, of_unit, clock()), "units")


def remove_unit(uow: CatalogUnitOfWork, principal: Principal | None, *, unit_group_id: str,
                name: str, expected_version: int = 0, clock: Clock = system_clock) -> UnitGroup:
    def remove(uow: CatalogUnitOfWork, group: UnitGroup) -> None:
        unit = group.unit(name)
        if unit is not None:
            _check_unit_unused(uow, group, unit.name)
        group.remove_unit(name, clock())
    return _change(uow, principal, unit_group_id, expected_version, remove, "units")


def _check_unit_unused(uow: CatalogUnitOfWork, group: UnitGroup, unit: str) -> None:
    """Products and price list items are other aggregates: a unit they use must stay, and
    past revisions keep their own copy of the group, so "as of" pricing is unaffected."""
    product_ids = uow.products.ids_in_unit_group(group.id)
    products = [uow.products.get(pid) for pid in sorted(product_ids)]
    defaults = sorted(p.sku for p in products if p and unit_key(p.default_unit) == unit_key(unit))
    if defaults:
        raise FailedPrecondition(
            f"unit '{unit}' is the default unit of {', '.join(defaults[:10])}"
            + (" and more" if len(defaults) > 10 else "") + "; change their default unit first",
            field="name")
    users = sorted(pl.name for pl in uow.price_lists.pricing_any_of(product_ids)
                   if pl.uses_unit(product_ids, unit))
    if users:
        raise FailedPrecondition(
            f"unit '{unit}' is priced in price lists {', '.join(users[:10])}; remove those "
            "items first", field="name")
