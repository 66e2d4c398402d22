"""alembic environment of reporting (crm_chassis.migrations: own version table, URL from the
settings)."""

from crm_chassis.migrations import run_alembic_env
from crm_reporting.migrate import MIGRATIONS

run_alembic_env(MIGRATIONS)
