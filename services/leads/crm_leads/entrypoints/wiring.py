"""Builds the use cases' dependencies from settings (shared by the api and the worker)."""
from __future__ import annotations

from dataclasses import dataclass

import grpc

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.grpc.client import ServiceTokenProvider, make_channel
from crm_chassis.scopes import ScopeReplica

from crm_leads.adapters.scopes import ReplicaScopeReader, ReplicaTeamDirectory
from crm_leads.adapters.search_sql import configure_engine
from crm_leads.adapters.territory_client import TerritoryHandoverStrategy
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.ports import HandoverStrategy, SystemClock, UuidGenerator


class _LazyTerritoryHandover:
    """Opens the channel to territory (and fetches a service token) on the first handover
    only: the api never hands over, and a process must start without territory running."""

    def __init__(self, settings: LeadsSettings):
        self._settings = settings
        self._strategy: TerritoryHandoverStrategy | None = None
        self.channel: grpc.Channel | None = None

    def distribute(self, team_id, leaving_user_id, lead_ids, remaining_member_ids):
        if self._strategy is None:
            s = self._settings
            tokens = ServiceTokenProvider(s.identity_address, s.service_client_id,
                                          s.service_client_secret)
            self.channel = make_channel(s.territory_address, tokens)
            self._strategy = TerritoryHandoverStrategy(self.channel,
                                                       s.territory_timeout_seconds)
        return self._strategy.distribute(team_id, leaving_user_id, lead_ids,
                                         remaining_member_ids)


@dataclass
class Wiring:
    """What build_dependencies made, for entrypoints that need the parts (engine, replica)."""
    deps: Dependencies
    engine: object
    replica: ScopeReplica


def build(settings: LeadsSettings, *, engine=None,
          handover: HandoverStrategy | None = None) -> Wiring:
    if engine is None:
        engine = make_engine(settings.database_url)
        configure_engine(engine)
    session_factory = make_session_factory(engine)
    replica = ScopeReplica(engine, settings.scope_staleness_seconds)
    deps = Dependencies(
        uow=lambda: SqlLeadsUnitOfWork(session_factory),
        scopes=ReplicaScopeReader(replica),
        teams=ReplicaTeamDirectory(replica),
        handover=handover if handover is not None else _LazyTerritoryHandover(settings),
        clock=SystemClock(),
        ids=UuidGenerator(),
        conversion_retry=settings.conversion_retry)
    return Wiring(deps, engine, replica)


def build_dependencies(settings: LeadsSettings, *, engine=None,
                       handover: HandoverStrategy | None = None) -> Dependencies:
    return build(settings, engine=engine, handover=handover).deps
