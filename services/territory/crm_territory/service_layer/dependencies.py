"""Everything a use case needs besides its arguments, built once per process by an entrypoint
(``crm_territory.entrypoints.wiring.build_dependencies``)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from crm_territory.service_layer.ports import Clock, RoutingMetrics, UserDirectory
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


@dataclass
class Dependencies:
    uow: Callable[[], TerritoryUnitOfWork]   # a fresh unit of work per use case call
    clock: Clock
    directory: UserDirectory                 # identity's users (first sight of a person)
    metrics: RoutingMetrics

    def joined(self, uow: TerritoryUnitOfWork) -> Dependencies:
        """A copy whose units of work are ``uow`` entered again: a use case run by a worker
        handler joins the handler's transaction (its block runs in a savepoint, the handler
        commits the inbox row and the effect together)."""
        return dataclasses.replace(self, uow=lambda: uow)
