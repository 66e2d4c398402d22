"""Everything a use case needs besides its arguments, built once per process by an entrypoint."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from crm_leads.domain.conversion import DEFAULT_RETRY_POLICY, RetryPolicy
from crm_leads.service_layer.ports import (Clock, HandoverStrategy, IdGenerator, ScopeReader,
                                           SystemClock, TeamDirectory, UuidGenerator)
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


@dataclass
class Dependencies:
    uow: Callable[[], LeadsUnitOfWork]
    scopes: ScopeReader
    teams: TeamDirectory
    handover: HandoverStrategy
    clock: Clock = field(default_factory=SystemClock)
    ids: IdGenerator = field(default_factory=UuidGenerator)
    conversion_retry: RetryPolicy = DEFAULT_RETRY_POLICY
