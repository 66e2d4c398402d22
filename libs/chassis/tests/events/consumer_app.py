"""TEST-ONLY nameko worker module, run by ``crm_chassis.messaging.worker_main`` in a subprocess.

Service names and tables come from the environment the test bed sets (``EVT_PRODUCER``,
``EVT_CONSUMER``; tables created by the bed). Two services:
- the idempotent consumer: records every SomethingHappened in ``received`` through the chassis'
  idempotent handler; an event named "always-fail" raises on every delivery (and each attempt
  is counted in ``attempts``, outside the handler's transaction, so rollback keeps the count);
- a plain nameko ``@event_handler`` (no chassis code), recording the raw body and context data,
  proving the relay's messages are nameko's wire format.
"""

from __future__ import annotations

import json
import os
from functools import partial

from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from sqlalchemy import insert

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.batches import idempotent_batch_handler
from crm_chassis.messaging.dependencies import UnitOfWorkProvider
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.settings import ServiceSettings
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit.messaging import consumer_metadata

PRODUCER = os.environ["EVT_PRODUCER"]
CONSUMER = os.environ["EVT_CONSUMER"]
EVENT = "something_happened"
TABLES = consumer_metadata()


class ConsumerUnitOfWork(SqlAlchemyUnitOfWork):
    def _open_repositories(self, session):
        self.received = TABLES.tables["received"]


def make_uow_factory(settings):
    engine = make_engine(settings.database_url)
    return partial(
        ConsumerUnitOfWork,
        make_session_factory(engine),
        service_name=CONSUMER,
        outbox=TABLES.tables["outbox"],
    )


class Engine(DependencyProvider):
    """A plain engine for writes that must survive the handler's rollback."""

    def setup(self):
        self.engine = make_engine(os.environ[f"CRM_{CONSUMER.upper()}_DATABASE_URL"])

    def get_dependency(self, worker_ctx):
        return self.engine


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.context_data)


class Consumer:
    name = CONSUMER
    uow = UnitOfWorkProvider(make_uow_factory)
    engine = Engine()

    @idempotent_event_handler(PRODUCER, EVENT, SomethingHappened)
    def on_something_happened(self, event, uow):
        if event.name == "always-fail":
            with self.engine.begin() as conn:
                conn.execute(insert(TABLES.tables["attempts"]).values(event_id=event.meta.event_id))
            raise RuntimeError("this handler always fails (test)")
        uow.session.execute(
            insert(uow.received).values(
                event_id=event.meta.event_id,
                aggregate_id=event.meta.aggregate_id,
                aggregate_version=event.meta.aggregate_version,
                seq=event.seq,
                name=event.name,
                actor_id=event.meta.actor.id,
            )
        )


if os.environ.get("EVT_BATCH") == "1":  # only for the batch tests: it shares the inbox

    class BatchConsumer:
        """The same events through the batch handler: one row per event, with its batch's size."""

        name = f"{CONSUMER}_batch"
        # The consumer's database (the bed sets only CRM_<CONSUMER>_DATABASE_URL).
        uow = UnitOfWorkProvider(lambda _settings: make_uow_factory(ServiceSettings.load(CONSUMER)))

        @idempotent_batch_handler(
            PRODUCER, EVENT, SomethingHappened, max_batch=100, max_wait_seconds=0.05
        )
        def on_batch(self, batch, uow):
            if any(event.name == "always-fail" for event in batch):
                raise RuntimeError("a batch holding the failing event fails (test)")
            uow.session.execute(
                insert(TABLES.tables["batched"]),
                [
                    {"event_id": event.meta.event_id, "seq": event.seq, "batch_size": len(batch)}
                    for event in batch
                ],
            )


class PlainListener:
    name = f"{CONSUMER}_plain"
    engine = Engine()
    context_data = ContextData()

    @event_handler(PRODUCER, EVENT)
    def on_plain(self, body):
        with self.engine.begin() as conn:
            conn.execute(
                insert(TABLES.tables["plain_received"]).values(
                    body=json.dumps(body, separators=(",", ":"), sort_keys=True),
                    context_data=json.dumps(self.context_data, default=str),
                )
            )


if os.environ.get("EVT_BUSY") == "1":  # only for the stop tests
    import eventlet

    class BusyConsumer:
        """Two handlers sharing the service's queue consumer, each taking a while per event, so
        a SIGTERM finds deliveries in flight and handlers unregistering together."""

        name = f"{CONSUMER}_busy"
        uow = UnitOfWorkProvider(lambda _settings: make_uow_factory(ServiceSettings.load(CONSUMER)))

        @idempotent_event_handler(PRODUCER, EVENT, SomethingHappened)
        def on_one(self, event, uow):
            eventlet.sleep(0.02)
            uow.session.execute(
                insert(TABLES.tables["busy"]).values(handler="one", event_id=event.meta.event_id)
            )

        @idempotent_batch_handler(PRODUCER, EVENT, SomethingHappened, max_batch=20)
        def on_many(self, batch, uow):
            eventlet.sleep(0.05)
            uow.session.execute(
                insert(TABLES.tables["busy"]),
                [{"handler": "many", "event_id": event.meta.event_id} for event in batch],
            )
