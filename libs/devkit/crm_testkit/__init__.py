"""The chassis test kit, imported by every service's test suite (never by running code).

- :mod:`crm_testkit.infrastructure`: throw-away PostgreSQL databases, the broker of the
  test run, free ports, ``wait_until``, the integration suites' database fixtures.
- :mod:`crm_testkit.fakes`: ``FixedClock``, ``SequentialIds``, the fake unit of work kit
  (``FakeUnitOfWorkBase``, in-memory repositories) for unit tests of use cases.
- :mod:`crm_testkit.migrations`: the migration round-trip check of a service
  (``migration_round_trip_tests``).

The infrastructure helpers are re-exported here (``from crm_testkit import free_port``).
"""

from crm_testkit.infrastructure import (
    AMQP_URL,
    PG_ADMIN_URL,
    amqp_channel,
    database_down,
    database_fixtures,
    free_port,
    service_amqp_url,
    temporary_postgres_database,
    unique_vhost_free_name,
    wait_until,
)

__all__ = [
    "AMQP_URL",
    "PG_ADMIN_URL",
    "amqp_channel",
    "database_down",
    "database_fixtures",
    "free_port",
    "service_amqp_url",
    "temporary_postgres_database",
    "unique_vhost_free_name",
    "wait_until",
]
