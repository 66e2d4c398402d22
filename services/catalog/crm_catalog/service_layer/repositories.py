"""Abstract repositories. Each keeps every committed version of its aggregates as a revision
valid from the aggregate's ``updated_at``, so ``get_as_of`` returns the catalog as it was; this
is what makes a quote re-priceable "as of" its date. Nothing is ever deleted.

Lists are paged by keyset: ``after`` is the sort key of the last row of the previous page.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from crm_catalog.domain.discounts import DiscountList
from crm_catalog.domain.exchange_rates import ExchangeRate
from crm_catalog.domain.price_lists import PriceList
from crm_catalog.domain.products import Product, ProductStatus
from crm_catalog.domain.units import UnitGroup
from crm_chassis.paging import KeyPart

A = TypeVar("A")
#: The key lists are ordered and paged by (a keyset cursor holds the last row's).
SortKey = tuple[KeyPart, ...]


class RevisionedRepository(abc.ABC, Generic[A]):
    @abc.abstractmethod
    def add(self, aggregate: A) -> None:
        """Stores a new aggregate (its first revision)."""

    @abc.abstractmethod
    def update(self, aggregate: A) -> None:
        """Stores the aggregate's new version as a further revision."""

    @abc.abstractmethod
    def get(self, id: str) -> A | None:
        """The latest version, or None."""

    @abc.abstractmethod
    def get_as_of(self, id: str, when: dt.datetime) -> A | None:
        """The version valid at ``when`` (latest with updated_at <= when), or None."""

    def get_many_as_of(self, ids: set[str], when: dt.datetime) -> dict[str, A]:
        """``get_as_of`` for several ids at once (adapters answer in one round trip); ids
        that did not exist at ``when`` are left out. Read-only: do not mutate the results."""
        found = {id: self.get_as_of(id, when) for id in ids}
        return {id: aggregate for id, aggregate in found.items() if aggregate is not None}

    @staticmethod
    @abc.abstractmethod
    def sort_key(aggregate: A) -> SortKey:
        """The key lists are ordered and paged by."""


class UnitGroupRepository(RevisionedRepository[UnitGroup]):
    @abc.abstractmethod
    def list_page(self, *, query: str, after: SortKey | None, limit: int) -> list[UnitGroup]: ...

    @staticmethod
    def sort_key(group: UnitGroup) -> SortKey:
        return (group.name.casefold(), group.id)


@dataclass(frozen=True)
class ProductFilter:
    status: ProductStatus | None = None
    family: str = ""
    query: str = ""
    unit_group_id: str = ""


class ProductRepository(RevisionedRepository[Product]):
    @abc.abstractmethod
    def get_by_sku(self, sku: str) -> Product | None:
        """The latest version of the product with this (normalised) SKU."""

    def ids_by_sku(self, skus: set[str]) -> dict[str, str]:
        """Normalised SKU -> product id for the SKUs that exist (one round trip in adapters)."""
        found = {sku: self.get_by_sku(sku) for sku in skus}
        return {sku: product.id for sku, product in found.items() if product is not None}

    @abc.abstractmethod
    def list_page(
        self, filter: ProductFilter, *, after: SortKey | None, limit: int
    ) -> list[Product]: ...

    @abc.abstractmethod
    def ids_in_unit_group(self, unit_group_id: str) -> set[str]: ...

    @staticmethod
    def sort_key(product: Product) -> SortKey:
        return (product.sku,)


@dataclass(frozen=True)
class PriceListFilter:
    currency: str = ""
    valid_on: dt.date | None = None
    query: str = ""


class PriceListRepository(RevisionedRepository[PriceList]):
    @abc.abstractmethod
    def list_page(
        self, filter: PriceListFilter, *, after: SortKey | None, limit: int
    ) -> list[PriceList]: ...

    @abc.abstractmethod
    def pricing_any_of_as_of(self, product_ids: set[str], when: dt.datetime) -> list[PriceList]:
        """Every price list, as it was at ``when``, with an item for one of the products."""

    @abc.abstractmethod
    def pricing_any_of(self, product_ids: set[str]) -> list[PriceList]:
        """Latest versions of the lists with an item for one of the products."""

    @staticmethod
    def sort_key(price_list: PriceList) -> SortKey:
        return (price_list.name.casefold(), price_list.id)


class DiscountListRepository(RevisionedRepository[DiscountList]):
    @abc.abstractmethod
    def list_page(self, *, query: str, after: SortKey | None, limit: int) -> list[DiscountList]: ...

    @staticmethod
    def sort_key(discount_list: DiscountList) -> SortKey:
        return (discount_list.name.casefold(), discount_list.id)


# --- exchange rates -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeRateFilter:
    base: str = ""
    quote: str = ""
    from_date: dt.date | None = None
    to_date: dt.date | None = None


class ExchangeRateRepository(abc.ABC):
    """Dated rates by (base, quote, effective_on). Replaced in place: a rate is a fact about a
    day, and its events carry every version."""

    @abc.abstractmethod
    def get(self, base: str, quote: str, effective_on: dt.date) -> ExchangeRate | None: ...

    @abc.abstractmethod
    def add(self, rate: ExchangeRate) -> None: ...

    @abc.abstractmethod
    def update(self, rate: ExchangeRate) -> None: ...

    @abc.abstractmethod
    def latest(self, base: str, quote: str, on: dt.date) -> ExchangeRate | None:
        """The pair's rate with the latest ``effective_on`` on or before ``on``."""

    @abc.abstractmethod
    def list_page(
        self, filter: ExchangeRateFilter, *, after: SortKey | None, limit: int
    ) -> list[ExchangeRate]: ...

    @staticmethod
    def sort_key(rate: ExchangeRate) -> SortKey:
        return (rate.base, rate.quote, rate.effective_on.isoformat())
