"""The catalog's unit of work: one transaction over the four repositories and the outbox."""
from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork

from crm_catalog.service_layer.repositories import (DiscountListRepository, PriceListRepository,
                                                    ProductRepository, UnitGroupRepository)


class CatalogUnitOfWork(AbstractUnitOfWork):
    """Adapters provide the repositories when the block is entered."""

    unit_groups: UnitGroupRepository
    products: ProductRepository
    price_lists: PriceListRepository
    discount_lists: DiscountListRepository
