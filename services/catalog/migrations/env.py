"""alembic environment of catalog (crm_chassis.migrations: own version table, URL from settings)."""

from crm_catalog.migrate import MIGRATIONS
from crm_chassis.migrations import run_alembic_env

run_alembic_env(MIGRATIONS)
