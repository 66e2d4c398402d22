"""What the catalog's use cases are given by an entrypoint: a unit-of-work factory and a clock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from crm_catalog.domain.quote import UnitPriceMemo
from crm_catalog.service_layer.ports import Clock, system_clock
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork


@dataclass(frozen=True)
class Dependencies:
    uow: Callable[[], CatalogUnitOfWork]  # a fresh unit of work per use-case call
    clock: Clock = system_clock
    close: Callable[[], None] = lambda: None  # releases what the entrypoint opened (the engine)
    unit_prices: UnitPriceMemo | None = None     # PriceQuote's memo of unit prices, per process
