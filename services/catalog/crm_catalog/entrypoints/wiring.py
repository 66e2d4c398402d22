"""Builds the use cases' dependencies from settings."""
from __future__ import annotations

from crm_chassis.db import make_engine, make_session_factory

from crm_catalog.adapters.metrics import CACHES, REVISIONS, UNIT_PRICES
from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.service_layer.dependencies import Dependencies


def build_dependencies(settings: CatalogSettings, *, engine=None) -> Dependencies:
    """An ``engine`` passed in stays the caller's to dispose; one made here is disposed by
    ``close``. Both caches report to /metrics (adapters/metrics.py)."""
    own_engine = engine is None
    engine = make_engine(settings.database_url) if own_engine else engine
    session_factory = make_session_factory(engine)
    cache = CACHES.track(REVISIONS, RevisionCache(settings.revision_cache_entries))
    unit_prices = CACHES.track(UNIT_PRICES, RevisionCache(settings.revision_cache_entries))
    return Dependencies(uow=lambda: SqlCatalogUnitOfWork(session_factory, cache),
                        close=engine.dispose if own_engine else lambda: None,
                        unit_prices=unit_prices)
