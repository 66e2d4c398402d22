"""Fakes for the catalog's unit tests: in-memory revisioned repositories on the chassis fake
unit of work kit, a clock whose every reading is a new instant, callers of every kind, and a
builder of a small catalog.

The fake repositories behave like the database will: changes become visible to other units of
work only on commit, and what ``get`` returns is a copy, so a use case that mutates an aggregate
but forgets ``update`` (or ``commit``) loses the change here as it would in production.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from crm_catalog.domain.products import ProductStatus
from crm_catalog.service_layer import discount_lists, price_lists, products, unit_groups
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.repositories import (
    DiscountListRepository,
    ExchangeRateRepository,
    PriceListRepository,
    ProductRepository,
    UnitGroupRepository,
)
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import SERVICE, Caller
from crm_testkit.fakes import FakeRepository, FakeUnitOfWork, FixedClock, SequentialIds


class _FakeRevisionedRepository(FakeRepository):
    """The chassis fake repository (writes visible on commit, copies on read, every committed
    version kept) with the catalog's "as of" reads and keyset pages."""

    def get_as_of(self, id, when):
        valid = [r for r in self.versions(id) if r.updated_at <= when]
        return valid[-1] if valid else None

    def _latest(self):
        return list(self.all())

    def _page(self, rows, after, limit):
        rows = sorted(rows, key=self.sort_key)
        if after is not None:
            rows = [row for row in rows if tuple(self.sort_key(row)) > tuple(after)]
        return rows[:limit]


class FakeUnitGroupRepository(_FakeRevisionedRepository, UnitGroupRepository):
    def list_page(self, *, query, after, limit):
        rows = [g for g in self._latest() if query.casefold() in g.name.casefold()]
        return self._page(rows, after, limit)


class FakeProductRepository(_FakeRevisionedRepository, ProductRepository):
    def get_by_sku(self, sku):
        found = [p for p in self._latest() if p.sku == sku]
        return copy.deepcopy(found[0]) if found else None

    def list_page(self, filter, *, after, limit):
        def keep(p) -> bool:
            return (
                (filter.status is None or p.status is filter.status)
                and (not filter.family or p.family.casefold() == filter.family.casefold())
                and (not filter.unit_group_id or p.unit_group_id == filter.unit_group_id)
                and (
                    not filter.query or filter.query.casefold() in (p.sku + " " + p.name).casefold()
                )
            )

        return self._page([p for p in self._latest() if keep(p)], after, limit)

    def ids_in_unit_group(self, unit_group_id):
        return {p.id for p in self._latest() if p.unit_group_id == unit_group_id}


class FakePriceListRepository(_FakeRevisionedRepository, PriceListRepository):
    def list_page(self, filter, *, after, limit):
        rows = [
            pl
            for pl in self._latest()
            if (not filter.currency or pl.currency == filter.currency)
            and (filter.valid_on is None or pl.is_valid_on(filter.valid_on))
            and filter.query.casefold() in pl.name.casefold()
        ]
        return self._page(rows, after, limit)

    def pricing_any_of_as_of(self, product_ids, when):
        lists = [self.get_as_of(id, when) for id in self._store.versions]
        return [
            pl for pl in lists if pl is not None and any(pid in product_ids for pid, _ in pl.items)
        ]

    def pricing_any_of(self, product_ids):
        return [
            copy.deepcopy(pl)
            for pl in self._latest()
            if any(pid in product_ids for pid, _ in pl.items)
        ]


class FakeDiscountListRepository(_FakeRevisionedRepository, DiscountListRepository):
    def list_page(self, *, query, after, limit):
        rows = [d for d in self._latest() if query.casefold() in d.name.casefold()]
        return self._page(rows, after, limit)


class FakeExchangeRateRepository(FakeRepository, ExchangeRateRepository):
    def __init__(self, store):
        super().__init__(store, key=lambda rate: rate.key)

    def get(self, base, quote=None, effective_on=None):
        # the port's signature (pair and day); the kit's own reads pass the key alone
        key = base if quote is None else f"{base}/{quote}/{effective_on.isoformat()}"
        return FakeRepository.get(self, key)

    def latest(self, base, quote, on):
        rates = [r for r in self.all() if (r.base, r.quote) == (base, quote)]
        rates = sorted((r for r in rates if r.effective_on <= on), key=lambda r: r.effective_on)
        return rates[-1] if rates else None

    def list_page(self, filter, *, after, limit):
        rows = sorted(
            (
                r
                for r in self.all()
                if (not filter.base or r.base == filter.base)
                and (not filter.quote or r.quote == filter.quote)
                and (filter.from_date is None or r.effective_on >= filter.from_date)
                and (filter.to_date is None or r.effective_on <= filter.to_date)
            ),
            key=self.sort_key,
        )
        if after is not None:
            rows = [r for r in rows if self.sort_key(r) > tuple(after)]
        return rows[:limit]


class FakeCatalogUnitOfWork(FakeUnitOfWork, CatalogUnitOfWork):
    def open_repositories(self):
        self.unit_groups = FakeUnitGroupRepository(self.store("unit_groups"))
        self.products = FakeProductRepository(self.store("products"))
        self.price_lists = FakePriceListRepository(self.store("price_lists"))
        self.discount_lists = FakeDiscountListRepository(self.store("discount_lists"))
        self.exchange_rates = FakeExchangeRateRepository(self.store("exchange_rates"))
        return [
            self.unit_groups,
            self.products,
            self.price_lists,
            self.discount_lists,
            self.exchange_rates,
        ]


@pytest.fixture
def uow() -> FakeCatalogUnitOfWork:
    return FakeCatalogUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    """Starts at 2026-03-02 09:00 UTC; every reading advances one second, so every change has
    its own instant (as the database clock would give)."""
    return FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=dt.timedelta(seconds=1))


@pytest.fixture
def deps(uow, clock) -> Dependencies:
    """Every use case of a test on the same fake unit of work (its stores are the database)."""
    return Dependencies(uow=lambda: uow, clock=clock, ids=SequentialIds("catalog"))


def person(name: str, *, roles=(), departments=()) -> Caller:
    return Caller(
        subject_id=f"user-{name}",
        roles=frozenset(roles),
        departments=frozenset(departments),
        display_name=name,
    )


@pytest.fixture
def manager() -> Caller:
    return person("maria", roles=["catalog_manager"])


@pytest.fixture
def pricer() -> Caller:
    return person("paul", roles=["pricing_manager"])


@pytest.fixture
def sales_rep() -> Caller:
    return person("sam", departments=["sales"])


@pytest.fixture
def marketer() -> Caller:
    return person("mia", departments=["marketing"])


@pytest.fixture
def admin() -> Caller:
    return person("ada", roles=["admin"])


@pytest.fixture
def deals_service() -> Caller:
    return Caller(
        subject_id="deals", kind=SERVICE, display_name="deals", roles=frozenset({"quote_prices"})
    )


class CatalogBuilder:
    """Creates catalog data through the use cases (so fixtures obey every rule)."""

    def __init__(self, deps, manager) -> None:
        self.deps, self.manager = deps, manager

    def bottles(self):
        group = unit_groups.create_unit_group(
            self.deps, self.manager, name="Bottles", base_unit="bottle"
        )
        unit_groups.add_unit(
            self.deps,
            self.manager,
            unit_group_id=group.id,
            name="6-pack",
            quantity="6",
            of_unit="bottle",
        )
        return unit_groups.add_unit(
            self.deps,
            self.manager,
            unit_group_id=group.id,
            name="case",
            quantity="4",
            of_unit="6-pack",
        )

    def product(
        self,
        group,
        sku="WINE-RED",
        *,
        list_price="12.00",
        standard_cost="6.00",
        current_cost="7.50",
        currency="EUR",
        default_unit="bottle",
        quantity_decimals=0,
        activate=True,
        **extra,
    ):
        product = products.create_product(
            self.deps,
            self.manager,
            sku=sku,
            name=f"Product {sku}",
            unit_group_id=group.id,
            default_unit=default_unit,
            currency=currency,
            list_price=list_price,
            standard_cost=standard_cost,
            current_cost=current_cost,
            quantity_decimals=quantity_decimals,
            **extra,
        )
        if activate:
            product = products.activate_product(self.deps, self.manager, id=product.id)
            assert product.status is ProductStatus.ACTIVE
        return product

    def price_list(self, name="Standard", currency="EUR", **extra):
        return price_lists.create_price_list(
            self.deps, self.manager, name=name, currency=currency, **extra
        )

    def item(self, price_list, product, unit="bottle", method=None, value="10.00", **extra):
        from crm_catalog.domain.pricing_methods import PricingMethod

        return price_lists.set_price_list_item(
            self.deps,
            self.manager,
            price_list_id=price_list.id,
            product_id=product.id,
            unit=unit,
            method=method or PricingMethod.CURRENCY_AMOUNT,
            value=value,
            **extra,
        )

    def discounts(self, tiers, *, name="Volume", type=None, currency="", quantity_decimals=0):
        from crm_catalog.domain.discounts import DiscountType

        return discount_lists.create_discount_list(
            self.deps,
            self.manager,
            name=name,
            type=type or DiscountType.PERCENTAGE,
            tiers=tiers,
            currency=currency,
            quantity_decimals=quantity_decimals,
        )


@pytest.fixture
def build(deps, manager) -> CatalogBuilder:
    return CatalogBuilder(deps, manager)


@pytest.fixture(autouse=True)
def _fresh_tier_words():
    """PriceQuote words each discount tier once per (list id, version): ids are unique in
    production, but every test here numbers its ids from 1, so each test starts with none."""
    from crm_catalog.domain import quote

    quote._TIER_WORDS.clear()
