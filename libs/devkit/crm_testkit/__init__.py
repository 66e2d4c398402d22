"""The chassis test kit, imported by every service's test suite (never by running code).

- :mod:`crm_testkit.infrastructure`: throw-away PostgreSQL databases, the broker of the
  test run, free ports, ``wait_until``, the integration suites' database fixtures.
- :mod:`crm_testkit.fakes`: ``FixedClock``, ``SequentialIds``, the fake unit of work kit
  (``FakeUnitOfWorkBase``, in-memory repositories) for unit tests of use cases.
- :mod:`crm_testkit.migrations`: the migration round-trip check of a service
  (``migration_round_trip_tests``).

The infrastructure helpers are re-exported here (``from crm_testkit import free_port``).
"""

import importlib
from typing import Any

# Re-exported lazily (PEP 562): the crm_broker pytest plugin (crm_testkit.pytest_broker) is
# imported before it sets CRM_TEST_AMQP_URL to the run's own vhost, and importing the package
# must not read the URL yet (infrastructure reads it once, on its first import).

__all__ = [
    "AMQP_URL",
    "PG_ADMIN_URL",
    "amqp_channel",
    "database_down",
    "database_fixtures",
    "free_port",
    "reserve_port",
    "service_amqp_url",
    "temporary_postgres_database",
    "unique_vhost_free_name",
    "wait_until",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("crm_testkit.infrastructure"), name)
    raise AttributeError(f"module 'crm_testkit' has no attribute {name!r}")
