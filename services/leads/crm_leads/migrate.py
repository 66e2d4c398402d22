"""Database migrations of leads (alembic, own version table ``alembic_version_leads``).

python -m crm_leads.migrate              # upgrade the settings' database to head
python -m crm_leads.migrate downgrade base
"""

from crm_chassis.migrations import ServiceMigrations

MIGRATIONS = ServiceMigrations.of(__file__)
VERSION_TABLE, upgrade, downgrade, main = MIGRATIONS.exports()

if __name__ == "__main__":
    main()
