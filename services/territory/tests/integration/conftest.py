"""Integration fixtures: one throw-away PostgreSQL database migrated to head (session scope),
its engine, and the use cases' dependencies on it with an in-memory user directory.

B's gRPC tests (tests/integration/api/) build on ``database_url`` and ``engine``."""
from __future__ import annotations

import pytest

from crm_chassis.db import make_engine
from crm_chassis.testing import temporary_postgres_database

from crm_territory import migrate


@pytest.fixture(scope="session")
def database_url():
    with temporary_postgres_database("territory") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()
