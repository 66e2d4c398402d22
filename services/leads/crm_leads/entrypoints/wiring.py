"""Builds the use cases' dependencies from settings, once per process (the api and the worker)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from sqlalchemy import Engine

from crm_chassis.clock import SystemClock
from crm_chassis.db import make_service_engine, make_session_factory
from crm_chassis.grpc.client import ServiceTokenProvider, make_channel
from crm_chassis.ids import UuidIds
from crm_chassis.scopes import ScopeReplica
from crm_leads.adapters.rescore_jobs import RescoreJobs
from crm_leads.adapters.scopes import ReplicaScopeReader, ReplicaTeamDirectory
from crm_leads.adapters.search_sql import configure_engine
from crm_leads.adapters.territory_client import TerritoryHandoverStrategy
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.ports import HandoverStrategy


class _LazyTerritoryHandover:
    """Opens the channel to territory (and fetches a service token) on the first handover
    only: the api never hands over, and a process must start without territory running."""

    def __init__(self, settings: LeadsSettings):
        self._settings = settings
        self._strategy: TerritoryHandoverStrategy | None = None
        self.channel: grpc.Channel | None = None

    def distribute(
        self,
        team_id: str,
        leaving_user_id: str,
        lead_ids: list[str],
        remaining_member_ids: list[str],
    ) -> dict[str, str]:
        if self._strategy is None:
            s = self._settings
            tokens = ServiceTokenProvider(
                s.identity_address, s.service_client_id, s.service_client_secret
            )
            self.channel = make_channel(s.territory_address, tokens)
            self._strategy = TerritoryHandoverStrategy(self.channel, s.territory_timeout_seconds)
        return self._strategy.distribute(team_id, leaving_user_id, lead_ids, remaining_member_ids)

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()


def build_dependencies(
    settings: LeadsSettings,
    *,
    engine: Engine | None = None,
    handover: HandoverStrategy | None = None,
    **overrides: Any,
) -> Dependencies:
    """The production dependencies. ``engine`` and ``handover`` replace what would be built
    (tests; what is passed in stays the caller's to close); ``overrides`` replace any other
    field (``clock``, ``ids``, ...)."""
    closers = []
    if engine is None:
        engine = make_service_engine(settings)
        configure_engine(engine)
        closers.append(engine.dispose)
    if handover is None:
        lazy = _LazyTerritoryHandover(settings)
        closers.append(lazy.close)
        handover = lazy
    session_factory = make_session_factory(engine)
    replica = ScopeReplica(engine, settings.scope_staleness_seconds)
    fields: dict[str, Any] = dict(
        uow=lambda: SqlLeadsUnitOfWork(session_factory),
        scopes=ReplicaScopeReader(replica),
        teams=ReplicaTeamDirectory(replica),
        handover=handover,
        rescore_jobs=RescoreJobs(session_factory),
        clock=SystemClock(),
        ids=UuidIds(),
        conversion_retry=settings.conversion_retry,
        conversion_dispatch_batch=settings.conversion_dispatch_batch,
        rescore_batch_size=settings.rescore_batch_size,
        reminder_lead=dt.timedelta(minutes=settings.reminder_lead_minutes),
        closers=tuple(closers),
    )
    fields.update(overrides)
    return Dependencies(**fields)
