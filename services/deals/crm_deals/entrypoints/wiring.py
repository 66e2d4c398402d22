"""Builds the use cases' dependencies from settings (shared by the api and the worker).

Every use case takes ``(uow, ports, ...)``: ``deps.uow()`` gives a NEW unit of work per call (a
unit of work holds one session and is not shared between threads), ``deps.ports`` the rest.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Engine

from crm_chassis.db import make_engine, make_session_factory

from crm_deals.adapters.secret_box import SecretBox, parse_key
from crm_deals.adapters.unit_of_work import SqlDealsUnitOfWork
from crm_deals.entrypoints.settings import DealsSettings
from crm_deals.service_layer.ports import (HandoverStrategy, Ports, Pricing, SalesLineSource,
                                           ScopeReader, TeamDirectory)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Dependencies:
    uow: Callable[[], SqlDealsUnitOfWork]
    ports: Ports
    engine: Engine
    settings: DealsSettings
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Close the gRPC channels this process opened (the engine belongs to the caller
        when it was passed in)."""
        while self.closers:
            self.closers.pop()()


def build_dependencies(settings: DealsSettings, *, engine: Engine | None = None,
                       scopes: ScopeReader | None = None, teams: TeamDirectory | None = None,
                       pricing: Pricing | None = None, handover: HandoverStrategy | None = None,
                       sales_lines: SalesLineSource | None = None,
                       clock: Callable[[], dt.datetime] = utc_now,
                       ids: Callable[[], str] = new_id) -> Dependencies:
    """The real adapters unless a port is passed in (tests pass fakes for catalog/territory
    when they do not run those services)."""
    closers: list[Callable[[], None]] = []
    own_engine = engine is None
    engine = make_engine(settings.database_url) if own_engine else engine
    if own_engine:
        closers.append(engine.dispose)
    session_factory = make_session_factory(engine)
    if scopes is None or teams is None:
        from crm_deals.adapters.scope_access import ReplicaScopes

        replica_ports = ReplicaScopes.on(engine, settings.scope_max_staleness_seconds)
        scopes = scopes or replica_ports
        teams = teams or replica_ports
    if pricing is None or handover is None:
        from crm_deals.adapters.remote_services import RemoteServices

        remote = RemoteServices(settings)
        closers.append(remote.close)
        pricing = pricing or remote.pricing()
        handover = handover or remote.handover()
        sales_lines = sales_lines or remote.sales_lines()
    ports = Ports(scopes=scopes, teams=teams, pricing=pricing, handover=handover, clock=clock,
                  new_id=ids, sales_lines=sales_lines)
    key = parse_key(settings.webhook_secret_key)
    secrets = SecretBox(key) if key else None
    return Dependencies(uow=lambda: SqlDealsUnitOfWork(session_factory, secrets), ports=ports,
                        engine=engine, settings=settings, closers=closers)
