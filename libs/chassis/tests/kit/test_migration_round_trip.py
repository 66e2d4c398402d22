"""The shared migration round-trip check finds what differs, and passes when nothing does."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine

from crm_testkit.migrations import check_migration_round_trip


def _metadata(*extra_columns: Column) -> MetaData:
    metadata = MetaData()
    Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
        *extra_columns,
    )
    return metadata


class MetadataMigrations:
    """A stand-in for a service's migrate module: "migrates" by creating ``schema``."""

    VERSION_TABLE = "alembic_version_things"

    def __init__(self, schema: MetaData, *, downgrade_leaves: bool = False) -> None:
        self.schema, self.downgrade_leaves = schema, downgrade_leaves
        version = MetaData()
        Table(self.VERSION_TABLE, version, Column("version_num", String(32), primary_key=True))
        self.version = version

    def upgrade(self, database_url: str, revision: str = "head") -> None:
        engine = create_engine(database_url)
        self.version.create_all(engine)
        self.schema.create_all(engine)
        engine.dispose()

    def downgrade(self, database_url: str, revision: str = "base") -> None:
        if not self.downgrade_leaves:
            engine = create_engine(database_url)
            self.schema.drop_all(engine)
            engine.dispose()


def test_a_migration_that_matches_the_orm_passes(tmp_path):
    check_migration_round_trip(
        f"sqlite:///{tmp_path}/ok.db", MetadataMigrations(_metadata()), _metadata()
    )


def test_a_column_the_migration_lacks_is_reported(tmp_path):
    with pytest.raises(AssertionError, match="add_column"):
        check_migration_round_trip(
            f"sqlite:///{tmp_path}/col.db",
            MetadataMigrations(_metadata()),
            _metadata(Column("colour", String(20))),
        )


def test_a_table_the_migration_lacks_is_named(tmp_path):
    orm = _metadata()
    Table("others", orm, Column("id", Integer, primary_key=True))
    with pytest.raises(AssertionError, match="tables the migration lacks: {'others'}"):
        check_migration_round_trip(
            f"sqlite:///{tmp_path}/table.db", MetadataMigrations(_metadata()), orm
        )


def test_a_downgrade_that_leaves_tables_is_reported(tmp_path):
    with pytest.raises(AssertionError, match="downgrade to base left"):
        check_migration_round_trip(
            f"sqlite:///{tmp_path}/down.db",
            MetadataMigrations(_metadata(), downgrade_leaves=True),
            _metadata(),
        )


def test_ignored_differences_and_extra_checks(tmp_path):
    seen: list[str] = []
    check_migration_round_trip(
        f"sqlite:///{tmp_path}/ignore.db",
        MetadataMigrations(_metadata()),
        _metadata(Column("colour", String(20))),
        ignore=lambda difference: difference[0] == "add_column",
        after_upgrade=lambda connection, dialect: seen.append(dialect),
    )
    assert seen == ["sqlite"]
