"""Upgrade gives exactly the ORM's tables, downgrade removes everything, upgrade works again."""

from crm_reporting import migrate
from crm_reporting.adapters import orm
from crm_testkit.migrations import migration_round_trip_tests

test_migration_round_trip_on_postgres, test_migration_round_trip_on_sqlite = (
    migration_round_trip_tests(migrate, orm.metadata, "reporting")
)
