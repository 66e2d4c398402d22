"""Integration fixtures of deals: one throw-away PostgreSQL database migrated to head (session
scope) and an engine on it. B's API tests (tests/integration/api/) build on these."""
from __future__ import annotations

import pytest

from crm_chassis.db import make_engine
from crm_chassis.testing import temporary_postgres_database

from crm_deals import migrate


@pytest.fixture(scope="session")
def database_url():
    with temporary_postgres_database("deals") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()
