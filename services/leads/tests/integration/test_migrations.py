"""The migration creates exactly the ORM's tables and columns, on PostgreSQL and SQLite, and
downgrades to nothing."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from crm_leads import migrate
from crm_leads.adapters import orm
from crm_testkit import temporary_postgres_database

pytestmark = pytest.mark.integration

SEARCH_INDEXES = {
    "ix_leads_scope_score",
    "ix_leads_scope_created",
    "ix_leads_scope_updated",
    "ix_leads_owner_score",
    "ix_leads_line_id",
    "uq_leads_conversion_id",
    "ix_leads_conversion_due",
    "uq_leads_duplicate_email",
    "uq_leads_duplicate_phone",
    "uq_leads_duplicate_company_person",
    "ix_leads_unassigned_queue",
}
POSTGRES_ONLY = {"ix_leads_search_text", "ix_leads_custom_attributes"}


def _schema_differences(connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True}
    )
    # The lead indexes are the migration's alone (partial, GIN; see orm.py): compare the rest.
    return [
        d
        for d in compare_metadata(context, orm.metadata)
        if not (
            isinstance(d, tuple)
            and d[0] == "remove_index"
            and d[1].name in SEARCH_INDEXES | POSTGRES_ONLY
        )
    ]


def _check(url: str, postgres: bool) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == (
                set(orm.metadata.tables) | {migrate.VERSION_TABLE}
            )
            assert _schema_differences(connection) == []
            indexes = {ix["name"] for ix in inspect(connection).get_indexes("leads")}
            expected = SEARCH_INDEXES | (POSTGRES_ONLY if postgres else set())
            assert expected <= indexes
        migrate.downgrade(url)
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {migrate.VERSION_TABLE}
        migrate.upgrade(url)
    finally:
        engine.dispose()


def test_postgres_upgrade_matches_the_orm_and_downgrade_removes_everything():
    with temporary_postgres_database("leads_mig") as url:
        _check(url, postgres=True)


def test_sqlite_upgrade_matches_the_orm(tmp_path):
    _check(f"sqlite:///{tmp_path}/leads.db", postgres=False)
