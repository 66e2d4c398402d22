"""What the catalog's use cases are given besides their caller and arguments, built once per
process by an entrypoint (``crm_catalog.entrypoints.wiring.build_dependencies``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_catalog.domain.quote import UnitPriceMemo
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.use_cases import Dependencies as ChassisDependencies


@dataclass(frozen=True, kw_only=True)
class Dependencies(ChassisDependencies):
    uow: Callable[[], CatalogUnitOfWork]  # a new unit of work per use-case call
    unit_prices: UnitPriceMemo | None = None  # PriceQuote's memo of unit prices, per process
