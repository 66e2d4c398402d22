"""Builds the use cases' dependencies from settings."""
from __future__ import annotations

from crm_chassis.db import make_engine, make_session_factory

from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.service_layer.dependencies import Dependencies


def build_dependencies(settings: CatalogSettings, *, engine=None) -> Dependencies:
    engine = engine if engine is not None else make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    cache = RevisionCache(settings.revision_cache_entries)
    return Dependencies(uow=lambda: SqlCatalogUnitOfWork(session_factory, cache))
