"""Builds territory's use-case dependencies from settings, once per process (the api, the worker
and the republish command), never at import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from crm_chassis.db import make_service_engine, make_session_factory
from crm_territory.adapters.identity_directory import GrpcUserDirectory
from crm_territory.adapters.metrics import PrometheusRoutingMetrics
from crm_territory.adapters.org_cache import OrgCache
from crm_territory.adapters.unit_of_work import SqlTerritoryUnitOfWork
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.service_layer.dependencies import Dependencies


def unit_of_work_factory(engine: Engine):
    """A zero-argument factory of units of work on ``engine``, sharing one organisation cache
    (units and teams, per organisation version) across every unit of work of the process."""
    session_factory = make_session_factory(engine)
    cache = OrgCache()
    return lambda: SqlTerritoryUnitOfWork(session_factory, org_cache=cache)


def build_dependencies(
    settings: TerritorySettings, *, engine: Engine | None = None, **overrides: Any
) -> Dependencies:
    """``engine``: a test's or benchmark's engine (theirs to dispose); ``overrides`` replace
    fields (``directory``, ``clock``, ``ids``, ``metrics``). What is built here (the engine, the
    identity directory's channel) is closed by ``Dependencies.close``."""
    closers = []
    if engine is None:
        engine = make_service_engine(settings)
        closers.append(engine.dispose)
    if "directory" not in overrides:
        directory = GrpcUserDirectory.from_settings(settings)
        closers.append(directory.close)
        overrides["directory"] = directory
    overrides.setdefault("metrics", PrometheusRoutingMetrics())
    return Dependencies(uow=unit_of_work_factory(engine), closers=tuple(closers), **overrides)
