"""Database migrations of deals (alembic, own version table ``alembic_version_deals``).

python -m crm_deals.migrate              # upgrade the settings' database to head
python -m crm_deals.migrate downgrade base
"""

from crm_chassis.migrations import ServiceMigrations

MIGRATIONS = ServiceMigrations.of(__file__)
VERSION_TABLE, upgrade, downgrade, main = MIGRATIONS.exports()

if __name__ == "__main__":
    main()
