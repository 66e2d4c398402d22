"""Builds the use cases' dependencies from settings (shared by the api and the worker)."""
from __future__ import annotations

from crm_chassis.db import make_engine, make_session_factory
from crm_territory.adapters.identity_directory import GrpcUserDirectory
from crm_territory.adapters.metrics import PrometheusRoutingMetrics
from crm_territory.adapters.org_cache import OrgCache
from crm_territory.adapters.unit_of_work import SqlTerritoryUnitOfWork
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.ports import SystemClock, UserDirectory


def unit_of_work_factory(engine):
    """A zero-argument factory of units of work on ``engine``, sharing one organisation cache
    (units and teams, per organisation version) across every unit of work of the process."""
    session_factory = make_session_factory(engine)
    cache = OrgCache()
    return lambda: SqlTerritoryUnitOfWork(session_factory, org_cache=cache)


def build_dependencies(settings: TerritorySettings, *, engine=None,
                       directory: UserDirectory | None = None) -> Dependencies:
    engine = engine if engine is not None else make_engine(settings.database_url)
    return Dependencies(
        uow=unit_of_work_factory(engine),
        clock=SystemClock(),
        directory=directory if directory is not None else GrpcUserDirectory.from_settings(settings),
        metrics=PrometheusRoutingMetrics())
