"""Builds reporting's use-case dependencies from settings, once per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from crm_chassis.db import make_service_engine, make_session_factory
from crm_reporting.adapters.scope_access import ReplicaScopes
from crm_reporting.adapters.unit_of_work import SqlReportingUnitOfWork
from crm_reporting.entrypoints.settings import ReportingSettings
from crm_reporting.service_layer.dependencies import Dependencies


def build_dependencies(
    settings: ReportingSettings, *, engine: Engine | None = None, **overrides: Any
) -> Dependencies:
    """An ``engine`` passed in stays the caller's to dispose; one made here is disposed by
    ``close``. ``overrides`` replace fields of the result (tests: ``clock``, ``scopes``)."""
    own_engine = engine is None
    engine = make_service_engine(settings) if engine is None else engine
    session_factory = make_session_factory(engine)
    fields: dict[str, Any] = {
        "uow": lambda: SqlReportingUnitOfWork(session_factory),
        "closers": (engine.dispose,) if own_engine else (),
    }
    if "scopes" not in overrides:
        fields["scopes"] = ReplicaScopes.on(engine, settings.scope_max_staleness_seconds)
    fields.update(overrides)
    return Dependencies(**fields)
