"""Integration fixtures: one throw-away PostgreSQL database migrated to head (session scope),
its engine, settings on it, and the use cases' dependencies on it with an in-memory user
directory; ``org`` builds organisations through the use cases.

The gRPC tests (tests/integration/api/) build on ``database_url`` and ``engine``."""

from __future__ import annotations

import pytest

from crm_territory import migrate
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.entrypoints.wiring import build_dependencies
from crm_testkit import database_fixtures

from .org_builder import MemoryDirectory, OrgBuilder

database_url, engine = database_fixtures("territory", migrate.upgrade)


@pytest.fixture(scope="session")
def settings(database_url):
    return TerritorySettings.load(
        "territory",
        env={},
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        shutdown_grace_seconds=0.5,
    )


@pytest.fixture(scope="session")
def deps(settings, engine):
    """The use cases' dependencies on the test database; identity's directory is in memory
    (``deps.directory.put(user_id, departments=..., roles=...)``)."""
    return build_dependencies(settings, engine=engine, directory=MemoryDirectory())


@pytest.fixture
def org(deps):
    """Builds organisations through the use cases (see org_builder.py)."""
    return OrgBuilder(deps)
