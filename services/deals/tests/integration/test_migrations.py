"""The migration creates exactly the ORM's tables, downgrades to nothing and upgrades again; on
SQLite (make run) too."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from crm_chassis.testing import temporary_postgres_database

from crm_deals import migrate
from crm_deals.adapters import orm

pytestmark = pytest.mark.integration


def _check_round_trip(url: str) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == set(orm.metadata.tables) | {
                migrate.VERSION_TABLE}
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"version_table": migrate.VERSION_TABLE}), orm.metadata)
            assert diff == [], diff
        migrate.downgrade(url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {migrate.VERSION_TABLE}
        migrate.upgrade(url)
    finally:
        engine.dispose()


def test_postgres_upgrade_matches_the_orm_and_downgrade_removes_everything():
    with temporary_postgres_database("deals_mig") as url:
        _check_round_trip(url)


def test_sqlite_upgrade_matches_the_orm(tmp_path):
    _check_round_trip(f"sqlite:///{tmp_path / 'deals.db'}")
