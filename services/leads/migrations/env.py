"""alembic environment of leads (crm_chassis.migrations: own version table, URL from settings)."""

from crm_chassis.migrations import run_alembic_env
from crm_leads.migrate import MIGRATIONS

run_alembic_env(MIGRATIONS)
