"""The catalog's unit of work: one transaction over the four repositories and the outbox."""

from __future__ import annotations

import datetime as dt

from crm_catalog.service_layer.repositories import (
    DiscountListRepository,
    ExchangeRateRepository,
    PriceListRepository,
    ProductRepository,
    UnitGroupRepository,
)
from crm_chassis.clock import Clock
from crm_chassis.unit_of_work import AbstractUnitOfWork


class CatalogUnitOfWork(AbstractUnitOfWork):
    """Adapters provide the repositories when the block is entered."""

    unit_groups: UnitGroupRepository
    products: ProductRepository
    price_lists: PriceListRepository
    discount_lists: DiscountListRepository
    exchange_rates: ExchangeRateRepository

    def pricing_instant(self, clock: Clock) -> dt.datetime:
        """ "Now" for a price quote, read inside the block: every change committed after this
        call is stamped later, so reading "as of" this instant gives the same answer forever.
        The database adapter takes it under a lock (adapters/revision_clock.py); here, where
        commits are stamped by the use case's clock, it is simply the clock."""
        return clock.now()
