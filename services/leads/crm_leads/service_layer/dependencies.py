"""Everything a use case needs besides its caller and its arguments, built once per process by an
entrypoint (entrypoints/wiring.py): the chassis' unit of work factory, clock and ids, and leads'
own ports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from crm_chassis import use_cases
from crm_leads.domain.conversion import DEFAULT_RETRY_POLICY, RetryPolicy
from crm_leads.service_layer.ports import (
    HandoverStrategy,
    RescoreJobQueue,
    ScopeReader,
    TeamDirectory,
)
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies(use_cases.Dependencies):
    uow: Callable[[], LeadsUnitOfWork]
    scopes: ScopeReader
    teams: TeamDirectory
    handover: HandoverStrategy
    rescore_jobs: RescoreJobQueue
    conversion_retry: RetryPolicy = DEFAULT_RETRY_POLICY
    conversion_dispatch_batch: int = 100  # conversions sent per dispatcher transaction
    rescore_batch_size: int = 500  # leads rescored per background transaction
    reminder_lead: dt.timedelta = dt.timedelta(minutes=30)  # reminders of tasks on leads
