"""Database migrations of reporting (alembic, own version table ``alembic_version_reporting``).

python -m crm_reporting.migrate              # upgrade the settings' database to head
python -m crm_reporting.migrate downgrade base
"""

from crm_chassis.migrations import ServiceMigrations

MIGRATIONS = ServiceMigrations.of(__file__)
VERSION_TABLE, upgrade, downgrade, main = MIGRATIONS.exports()

if __name__ == "__main__":
    main()
