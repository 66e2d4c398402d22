"""Integration fixtures of deals: one throw-away PostgreSQL database migrated to head (session
scope) and an engine on it. B's API tests (tests/integration/api/) build on these."""

from __future__ import annotations

import pathlib
import sys

import pytest

from crm_chassis.db import make_engine, make_session_factory
from crm_deals import migrate
from crm_testkit import database_fixtures, temporary_postgres_database

# The unit tests' world of two teams (deals_testkit), reused on the real unit of work.
sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "unit"))
sys.path.insert(0, str(pathlib.Path(__file__).parent))

from deals_sql_testkit import RecordingSqlUnitOfWork, truncate_all

database_url, engine = database_fixtures("deals", migrate.upgrade)


@pytest.fixture(scope="session")
def world_engine():
    """A database of its own: the worlds empty it before each test, which must not touch the
    data other tests keep in ``database_url`` for the whole session."""
    with temporary_postgres_database("deals_world") as url:
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=8)
        yield engine
        engine.dispose()


@pytest.fixture
def sql_world(world_engine, monkeypatch):
    """deals_testkit.World (two teams, a pipeline, fake scopes/pricing) on the SQL unit of work
    and an emptied database of its own."""
    import deals_testkit

    truncate_all(world_engine)
    session_factory = make_session_factory(world_engine)
    monkeypatch.setattr(
        deals_testkit, "FakeUnitOfWork", lambda: RecordingSqlUnitOfWork(session_factory)
    )
    world = deals_testkit.World()
    yield world
    for session in world.uow.sessions:
        session.close()
