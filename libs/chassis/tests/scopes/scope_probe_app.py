"""TEST-ONLY nameko worker: a stand-in for leads or deals keeping a scope replica.

Run by ``crm_chassis.messaging.worker_main`` in a subprocess (``crm_testkit.scopes``);
its service name comes from ``SCOPE_PROBE_SERVICE`` so every run declares a fresh queue. It holds
nothing but the chassis' replica handler: what it measures is the chassis path itself.
"""

from __future__ import annotations

import os
from functools import partial

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.dependencies import UnitOfWorkProvider
from crm_chassis.scopes.worker import ScopeReplicaHandlers
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit.scopes import probe_metadata

SERVICE = os.environ["SCOPE_PROBE_SERVICE"]
TABLES = probe_metadata()


def make_uow_factory(settings):
    engine = make_engine(settings.database_url)
    return partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name=SERVICE,
        outbox=TABLES.tables["outbox"],
    )


class ScopeProbe(ScopeReplicaHandlers):
    name = SERVICE
    uow = UnitOfWorkProvider(make_uow_factory)
