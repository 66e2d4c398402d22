"""Everything a territory use case needs besides its caller and its arguments: the chassis'
``Dependencies`` (a new unit of work per call, the clock, the id generator) plus identity's user
directory and the routing metrics. Built once per process by an entrypoint
(``crm_territory.entrypoints.wiring.build_dependencies``), never at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_chassis import use_cases
from crm_territory.service_layer.ports import RoutingMetrics, UserDirectory
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies(use_cases.Dependencies):
    uow: Callable[[], TerritoryUnitOfWork]  # a new unit of work per use case call
    directory: UserDirectory  # identity's users (first sight of a person)
    metrics: RoutingMetrics
