"""Database migrations of deals (alembic, own version table ``alembic_version_deals``).

    python -m crm_deals.migrate              # upgrade the settings' database to head
    python -m crm_deals.migrate downgrade base
"""
from __future__ import annotations

from pathlib import Path

from crm_chassis.migrations import ServiceMigrations


def _database_url() -> str:
    from crm_deals.entrypoints.settings import load

    return load().database_url


MIGRATIONS = ServiceMigrations("deals", Path(__file__).resolve().parent.parent / "migrations",
                               database_url=_database_url)
VERSION_TABLE = MIGRATIONS.version_table
config, upgrade, downgrade, main = (MIGRATIONS.config, MIGRATIONS.upgrade, MIGRATIONS.downgrade,
                                    MIGRATIONS.main)

if __name__ == "__main__":
    main()
