"""alembic environment of identity (crm_chassis.migrations: own version table, URL from settings)."""

from crm_chassis.migrations import run_alembic_env
from crm_identity.migrate import MIGRATIONS

run_alembic_env(MIGRATIONS)
