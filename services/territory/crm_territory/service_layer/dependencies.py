"""Everything a use case needs besides its arguments, built once per process by an entrypoint
(``crm_territory.entrypoints.wiring.build_dependencies``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from crm_territory.service_layer.ports import Clock, RoutingMetrics, UserDirectory
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


@dataclass
class Dependencies:
    uow: Callable[[], TerritoryUnitOfWork]   # a fresh unit of work per use case call
    clock: Clock
    directory: UserDirectory                 # identity's users (first sight of a person)
    metrics: RoutingMetrics
