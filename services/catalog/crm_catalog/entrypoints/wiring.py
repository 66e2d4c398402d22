"""Builds the use cases' dependencies from settings, once per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from crm_catalog.adapters.metrics import CACHES, REVISIONS, UNIT_PRICES
from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.service_layer.dependencies import Dependencies
from crm_chassis.db import make_service_engine, make_session_factory


def build_dependencies(
    settings: CatalogSettings, *, engine: Engine | None = None, **overrides: Any
) -> Dependencies:
    """An ``engine`` passed in stays the caller's to dispose; one made here is disposed by
    ``close``. ``overrides`` replace fields of the result (tests: ``clock``, ``ids``). Both
    caches report to /metrics (adapters/metrics.py)."""
    own_engine = engine is None
    engine = make_service_engine(settings) if engine is None else engine
    session_factory = make_session_factory(engine)
    cache = CACHES.track(REVISIONS, RevisionCache(settings.revision_cache_entries))
    unit_prices = CACHES.track(UNIT_PRICES, RevisionCache(settings.revision_cache_entries))
    fields: dict[str, Any] = dict(
        uow=lambda: SqlCatalogUnitOfWork(session_factory, cache),
        unit_prices=unit_prices,
        closers=(engine.dispose,) if own_engine else (),
    )
    fields.update(overrides)
    return Dependencies(**fields)
