"""Fakes for the catalog's unit tests: in-memory revisioned repositories, a fake unit of work,
a controllable clock, principals of every kind, and a builder of a small catalog.

The fake repositories behave like the database will: changes become visible to other units of
work only on commit, and what ``get`` returns is a copy, so a use case that mutates an aggregate
but forgets ``update`` (or ``commit``) loses the change here as it would in production.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from crm_chassis.auth.principal import Principal
from crm_chassis.unit_of_work import FakeUnitOfWorkBase

from crm_catalog.domain.products import ProductStatus
from crm_catalog.service_layer import (discount_lists, price_lists, products, unit_groups)
from crm_catalog.service_layer.repositories import (DiscountListRepository, PriceListRepository,
                                                    ProductRepository, UnitGroupRepository)
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork


class _Store:
    """Committed revisions per id, shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.revisions: dict[str, list] = {}


class _FakeRepositoryMixin:
    def __init__(self, store: _Store) -> None:
        self._store = store
        self._pending: dict[str, object] = {}

    # writes are buffered until commit
    def add(self, aggregate) -> None:
        assert aggregate.id not in self._store.revisions, "add() of an existing id"
        self._pending[aggregate.id] = copy.deepcopy(aggregate)

    def update(self, aggregate) -> None:
        assert aggregate.id in self._store.revisions or aggregate.id in self._pending
        self._pending[aggregate.id] = copy.deepcopy(aggregate)

    def flush(self) -> None:
        for id, aggregate in self._pending.items():
            self._store.revisions.setdefault(id, []).append(aggregate)
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()

    # reads
    def _latest(self):
        ids = set(self._store.revisions) | set(self._pending)
        return [self._get(id) for id in ids]

    def _get(self, id):
        if id in self._pending:
            return self._pending[id]
        revisions = self._store.revisions.get(id)
        return revisions[-1] if revisions else None

    def get(self, id):
        found = self._get(id)
        return copy.deepcopy(found) if found is not None else None

    def get_as_of(self, id, when):
        valid = [r for r in self._store.revisions.get(id, []) if r.updated_at <= when]
        return copy.deepcopy(valid[-1]) if valid else None

    def _page(self, rows, after, limit):
        rows = sorted(rows, key=self.sort_key)
        if after is not None:
            rows = [row for row in rows if tuple(self.sort_key(row)) > tuple(after)]
        return [copy.deepcopy(row) for row in rows[:limit]]


class FakeUnitGroupRepository(_FakeRepositoryMixin, UnitGroupRepository):
    def list_page(self, *, query, after, limit):
        rows = [g for g in self._latest() if query.casefold() in g.name.casefold()]
        return self._page(rows, after, limit)


class FakeProductRepository(_FakeRepositoryMixin, ProductRepository):
    def get_by_sku(self, sku):
        found = [p for p in self._latest() if p.sku == sku]
        return copy.deepcopy(found[0]) if found else None

    def list_page(self, filter, *, after, limit):
        def keep(p) -> bool:
            return ((filter.status is None or p.status is filter.status)
                    and (not filter.family or p.family.casefold() == filter.family.casefold())
                    and (not filter.unit_group_id or p.unit_group_id == filter.unit_group_id)
                    and (not filter.query or filter.query.casefold() in
                         (p.sku + " " + p.name).casefold()))
        return self._page([p for p in self._latest() if keep(p)], after, limit)

    def ids_in_unit_group(self, unit_group_id):
        return {p.id for p in self._latest() if p.unit_group_id == unit_group_id}


class FakePriceListRepository(_FakeRepositoryMixin, PriceListRepository):
    def list_page(self, filter, *, after, limit):
        rows = [pl for pl in self._latest()
                if (not filter.currency or pl.currency == filter.currency)
                and (filter.valid_on is None or pl.is_valid_on(filter.valid_on))
                and filter.query.casefold() in pl.name.casefold()]
        return self._page(rows, after, limit)

    def pricing_any_of_as_of(self, product_ids, when):
        lists = [self.get_as_of(id, when) for id in self._store.revisions]
        return [pl for pl in lists
                if pl is not None and any(pid in product_ids for pid, _ in pl.items)]

    def pricing_any_of(self, product_ids):
        return [copy.deepcopy(pl) for pl in self._latest()
                if any(pid in product_ids for pid, _ in pl.items)]


class FakeDiscountListRepository(_FakeRepositoryMixin, DiscountListRepository):
    def list_page(self, *, query, after, limit):
        rows = [d for d in self._latest() if query.casefold() in d.name.casefold()]
        return self._page(rows, after, limit)


class FakeCatalogUnitOfWork(FakeUnitOfWorkBase, CatalogUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self._stores = {name: _Store() for name in
                        ("unit_groups", "products", "price_lists", "discount_lists")}

    def __enter__(self):
        self.unit_groups = FakeUnitGroupRepository(self._stores["unit_groups"])
        self.products = FakeProductRepository(self._stores["products"])
        self.price_lists = FakePriceListRepository(self._stores["price_lists"])
        self.discount_lists = FakeDiscountListRepository(self._stores["discount_lists"])
        return super().__enter__()

    def _repositories(self):
        return (self.unit_groups, self.products, self.price_lists, self.discount_lists)

    def commit(self) -> None:
        for repository in self._repositories():
            repository.flush()
        super().commit()

    def rollback(self) -> None:
        if hasattr(self, "unit_groups"):
            for repository in self._repositories():
                repository.discard()
        super().rollback()


class FakeClock:
    """Starts at 2026-03-02 09:00 UTC; every reading advances one second, so every change has
    its own instant (as the database clock would give)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def uow() -> FakeCatalogUnitOfWork:
    return FakeCatalogUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def person(name: str, *, roles=(), departments=()) -> Principal:
    return Principal(subject_id=f"user-{name}", roles=frozenset(roles),
                     departments=frozenset(departments), display_name=name)


@pytest.fixture
def manager() -> Principal:
    return person("maria", roles=["catalog_manager"])


@pytest.fixture
def pricer() -> Principal:
    return person("paul", roles=["pricing_manager"])


@pytest.fixture
def sales_rep() -> Principal:
    return person("sam", departments=["sales"])


@pytest.fixture
def marketer() -> Principal:
    return person("mia", departments=["marketing"])


@pytest.fixture
def admin() -> Principal:
    return person("ada", roles=["admin"])


@pytest.fixture
def deals_service() -> Principal:
    return Principal(subject_id="deals", kind="service", display_name="deals",
                     roles=frozenset({"quote_prices"}))


class CatalogBuilder:
    """Creates catalog data through the use cases (so fixtures obey every rule)."""

    def __init__(self, uow, manager, clock) -> None:
        self.uow, self.manager, self.clock = uow, manager, clock

    def bottles(self):
        group = unit_groups.create_unit_group(self.uow, self.manager, name="Bottles",
                                              base_unit="bottle", clock=self.clock)
        unit_groups.add_unit(self.uow, self.manager, unit_group_id=group.id, name="6-pack",
                             quantity="6", of_unit="bottle", clock=self.clock)
        return unit_groups.add_unit(self.uow, self.manager, unit_group_id=group.id, name="case",
                                    quantity="4", of_unit="6-pack", clock=self.clock)

    def product(self, group, sku="WINE-RED", *, list_price="12.00", standard_cost="6.00",
                current_cost="7.50", currency="EUR", default_unit="bottle",
                quantity_decimals=0, activate=True, **extra):
        product = products.create_product(
            self.uow, self.manager, sku=sku, name=f"Product {sku}", unit_group_id=group.id,
            default_unit=default_unit, currency=currency, list_price=list_price,
            standard_cost=standard_cost, current_cost=current_cost,
            quantity_decimals=quantity_decimals, clock=self.clock, **extra)
        if activate:
            product = products.activate_product(self.uow, self.manager, id=product.id,
                                                clock=self.clock)
            assert product.status is ProductStatus.ACTIVE
        return product

    def price_list(self, name="Standard", currency="EUR", **extra):
        return price_lists.create_price_list(self.uow, self.manager, name=name,
                                             currency=currency, clock=self.clock, **extra)

    def item(self, price_list, product, unit="bottle", method=None, value="10.00", **extra):
        from crm_catalog.domain.pricing_methods import PricingMethod
        return price_lists.set_price_list_item(
            self.uow, self.manager, price_list_id=price_list.id, product_id=product.id,
            unit=unit, method=method or PricingMethod.CURRENCY_AMOUNT, value=value,
            clock=self.clock, **extra)

    def discounts(self, tiers, *, name="Volume", type=None, currency="", quantity_decimals=0):
        from crm_catalog.domain.discounts import DiscountType
        return discount_lists.create_discount_list(
            self.uow, self.manager, name=name, type=type or DiscountType.PERCENTAGE,
            tiers=tiers, currency=currency, quantity_decimals=quantity_decimals,
            clock=self.clock)


@pytest.fixture
def build(uow, manager, clock) -> CatalogBuilder:
    return CatalogBuilder(uow, manager, clock)
