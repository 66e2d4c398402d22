"""What reporting's use cases are given besides their caller and arguments, built once per
process by ``crm_reporting.entrypoints.wiring.build_dependencies``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_chassis.use_cases import Dependencies as ChassisDependencies
from crm_reporting.service_layer.ports import ScopeReader
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies(ChassisDependencies):
    uow: Callable[[], ReportingUnitOfWork]  # a new unit of work per use-case call
    scopes: ScopeReader  # territory's scopes (the local replica)
