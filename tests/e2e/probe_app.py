"""TEST-ONLY nameko worker: a stand-in for any service that consumes identity's user_created.

Run by ``crm_chassis.messaging.worker_main`` in a subprocess; its service name comes from
``PROBE_SERVICE`` so every test run declares fresh queues. Each user_created it handles becomes a
row of ``probe_users`` through the chassis' idempotent handler (inbox in the same transaction).
"""

from __future__ import annotations

import os
from functools import partial

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from crm.identity.v1.events_pb2 import UserCreated
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.dependencies import UnitOfWorkProvider
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

SERVICE = os.environ.get("PROBE_SERVICE", "probe")  # the test sets a fresh name per run
TABLES = MetaData()
messaging_tables(TABLES)
PROBE_USERS = Table(
    "probe_users",
    TABLES,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(32), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
)


class ProbeUnitOfWork(SqlAlchemyUnitOfWork):
    pass


def make_uow_factory(settings):
    engine = make_engine(settings.database_url)
    return partial(
        ProbeUnitOfWork,
        make_session_factory(engine),
        service_name=SERVICE,
        outbox=TABLES.tables["outbox"],
    )


class Probe:
    name = SERVICE
    uow = UnitOfWorkProvider(make_uow_factory)

    @idempotent_event_handler("identity", "user_created", UserCreated)
    def on_user_created(self, event, uow):
        uow.session.execute(
            insert(PROBE_USERS).values(
                event_id=event.meta.event_id, user_id=event.user.id, email=event.user.email
            )
        )
