"""Everything deals' use cases need besides their arguments, built once per process by an
entrypoint (``entrypoints/wiring.py: build_dependencies``).

Every public use case is called ``use_case(deps, caller, ...)`` and opens its own unit of work
with ``deps.uow()`` (a NEW one per call: a unit of work holds one session and is not shared
between threads).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from crm_deals.service_layer.ports import (
    HandoverStrategy,
    Pricing,
    SalesLineSource,
    ScopeReader,
    TeamDirectory,
)
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class UuidIds:
    def new_id(self) -> str:
        return uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class Dependencies:
    uow: Callable[[], DealsUnitOfWork]
    clock: Clock = field(default_factory=SystemClock)
    ids: IdGenerator = field(default_factory=UuidIds)
    scopes: ScopeReader
    teams: TeamDirectory
    pricing: Pricing
    handover: HandoverStrategy
    sales_lines: SalesLineSource | None = None
    closers: tuple[Callable[[], None], ...] = ()

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
