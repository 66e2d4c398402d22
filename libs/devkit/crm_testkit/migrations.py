"""The migration round trip every service's suite checks, on PostgreSQL and on SQLite.

Upgrading an empty database to head gives exactly the ORM's tables with no difference alembic's
autogenerate can see; downgrading to base leaves only the version table; upgrading again works.
A service's test module takes both tests with one line::

    test_postgres_round_trip, test_sqlite_round_trip = migration_round_trip_tests(
        migrate, orm.metadata, "catalog")

``ignore(difference)`` drops differences the migration owns on purpose (partial or GIN indexes
the ORM does not declare); ``after_upgrade(connection, dialect_name)`` adds the service's own
checks of the upgraded schema.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, create_engine, inspect

from crm_testkit.infrastructure import temporary_postgres_database


class ServiceMigrationsModule(Protocol):
    """What a service's ``crm_<name>.migrate`` module exports."""

    VERSION_TABLE: str

    def upgrade(self, database_url: str, revision: str = "head") -> None: ...

    def downgrade(self, database_url: str, revision: str = "base") -> None: ...


def schema_differences(
    connection: Connection,
    migrate: ServiceMigrationsModule,
    metadata: MetaData,
    *,
    compare_type: bool = False,
    ignore: Callable[[Any], bool] = lambda difference: False,
) -> list[Any]:
    """What alembic's autogenerate finds between the database and ``metadata``."""
    context = MigrationContext.configure(
        connection, opts={"version_table": migrate.VERSION_TABLE, "compare_type": compare_type}
    )
    return [
        difference for difference in compare_metadata(context, metadata) if not ignore(difference)
    ]


def check_migration_round_trip(
    url: str,
    migrate: ServiceMigrationsModule,
    metadata: MetaData,
    *,
    compare_type: bool = False,
    ignore: Callable[[Any], bool] = lambda difference: False,
    after_upgrade: Callable[[Connection, str], None] | None = None,
) -> None:
    """Upgrade ``url`` (an empty database) to head, compare with ``metadata``, downgrade to
    base, upgrade again; AssertionError saying what differs."""
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            expected = set(metadata.tables) | {migrate.VERSION_TABLE}
            assert tables == expected, (
                f"tables the migration lacks: {expected - tables}; "
                f"tables the ORM lacks: {tables - expected}"
            )
            differences = schema_differences(
                connection, migrate, metadata, compare_type=compare_type, ignore=ignore
            )
            assert differences == [], differences
            if after_upgrade is not None:
                after_upgrade(connection, engine.dialect.name)
        migrate.downgrade(url)
        with engine.connect() as connection:
            left = set(inspect(connection).get_table_names())
            assert left == {migrate.VERSION_TABLE}, f"downgrade to base left {left}"
        migrate.upgrade(url)
    finally:
        engine.dispose()


def migration_round_trip_tests(
    migrate: ServiceMigrationsModule, metadata: MetaData, prefix: str, **options: Any
) -> tuple[Callable[[], None], Callable[[Path], None]]:
    """Two pytest tests: the round trip on a throw-away PostgreSQL database (marked
    ``integration``) and on a SQLite file (what ``make run`` uses). ``options`` are those of
    :func:`check_migration_round_trip`."""

    @pytest.mark.integration
    def test_postgres_round_trip() -> None:
        with temporary_postgres_database(f"{prefix}_mig") as url:
            check_migration_round_trip(url, migrate, metadata, **options)

    def test_sqlite_round_trip(tmp_path: Path) -> None:
        check_migration_round_trip(
            f"sqlite:///{tmp_path / prefix}.db", migrate, metadata, **options
        )

    return test_postgres_round_trip, test_sqlite_round_trip
