"""Everything deals' use cases need besides their caller and arguments, built once per process
by an entrypoint (``entrypoints/wiring.py: build_dependencies``).

Every public use case is called ``use_case(deps, caller, ...)`` and opens its own unit of work
with ``deps.uow()``; an event handler runs one inside its own transaction with
``use_case(deps.joined(uow), caller, ...)`` (see :mod:`crm_chassis.use_cases`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_chassis import use_cases
from crm_deals.service_layer.ports import (
    HandoverStrategy,
    Pricing,
    SalesLineSource,
    ScopeReader,
    TeamDirectory,
)
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies(use_cases.Dependencies):
    """The chassis' unit-of-work factory, clock and ids, and deals' ports: territory's scopes
    and teams (from deals' own replica), catalog's pricing, territory's handover strategy and,
    for a sales line deals has no copy of yet, territory's lines (None: not asked)."""

    uow: Callable[[], DealsUnitOfWork]
    scopes: ScopeReader
    teams: TeamDirectory
    pricing: Pricing
    handover: HandoverStrategy
    sales_lines: SalesLineSource | None = None
