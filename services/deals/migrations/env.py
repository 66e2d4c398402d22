"""alembic environment of deals (crm_chassis.migrations: own version table, URL from settings)."""

from crm_chassis.migrations import run_alembic_env
from crm_deals.migrate import MIGRATIONS

run_alembic_env(MIGRATIONS)
