"""Test bed of the event plumbing (chassis and reliability tests): a synthetic producer service
with its outbox on PostgreSQL, a consumer worker, their manifests, relay and worker processes.

Every bed uses fresh service names (``evtp<hex>`` / ``evtc<hex>``), its own manifests folder
(``CRM_REPO_ROOT`` of the processes it starts) and its own databases, and deletes the broker
objects it declared on :meth:`EventBed.close`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.bootstrap import declare_with_retry
from crm_chassis.messaging.topology import (
    declare_exchanges,
    declare_topology,
    delete_topology,
    queue_depths,
)
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.settings import ServiceSettings
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit import AMQP_URL, amqp_channel, free_port, service_amqp_url

T = TypeVar("T")
EVENT = "something_happened"
CONSUMER_APP_DIR = manifests.repo_root() / "libs" / "chassis" / "tests" / "events"


def producer_metadata() -> MetaData:
    metadata = MetaData()
    messaging_tables(metadata)
    Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("aggregate_id", String(64), nullable=False),
        Column("name", Text),
    )
    return metadata


def consumer_metadata() -> MetaData:
    metadata = MetaData()
    messaging_tables(metadata)
    Table(
        "received",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(32), nullable=False, unique=True),
        Column("aggregate_id", String(64), nullable=False),
        Column("aggregate_version", BigInteger, nullable=False),
        Column("seq", BigInteger, nullable=False),
        Column("name", Text),
        Column("actor_id", Text),
    )
    Table(
        "attempts",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(32), nullable=False),
    )
    Table(
        "batched",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(32), nullable=False, unique=True),
        Column("seq", BigInteger, nullable=False),
        Column("batch_size", Integer, nullable=False),
    )
    Table(
        "busy",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("handler", String(8), nullable=False),
        Column("event_id", String(32), nullable=False),
        UniqueConstraint("handler", "event_id"),
    )
    Table(
        "plain_received",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("body", Text, nullable=False),
        Column("context_data", Text, nullable=False),
    )
    return metadata


class ProducerUnitOfWork(SqlAlchemyUnitOfWork):
    def _open_repositories(self, session: Session) -> None:
        self.things = self._outbox_table.metadata.tables["things"]


class EventBed:
    def __init__(
        self,
        root: Path,
        producer_db: str,
        consumer_db: str,
        *,
        max_deliveries: int = 3,
        batch_size: int = 500,
    ) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.producer, self.consumer = f"evtp{suffix}", f"evtc{suffix}"
        self.root = Path(root)
        self.worker_metrics_port = free_port()
        self.max_deliveries = max_deliveries
        self._write_manifests()
        self.manifests = manifests.discover(self.root)
        self.producer_engine = make_engine(producer_db)
        self.consumer_engine = make_engine(consumer_db)
        self.producer_tables = producer_metadata()
        self.consumer_tables = consumer_metadata()
        self.producer_tables.create_all(self.producer_engine)
        self.consumer_tables.create_all(self.consumer_engine)
        self.make_uow = partial(
            ProducerUnitOfWork,
            make_session_factory(self.producer_engine),
            service_name=self.producer,
            outbox=self.producer_tables.tables["outbox"],
        )
        self.env = {
            **os.environ,
            "CRM_REPO_ROOT": str(self.root),
            "CRM_ENV": "test",
            f"CRM_{self.producer.upper()}_DATABASE_URL": producer_db,
            f"CRM_{self.consumer.upper()}_DATABASE_URL": consumer_db,
            "CRM_AMQP_URL": AMQP_URL,
            # The bed's synthetic services all use the tests' broker user: it is their producer.
            "CRM_BROKER_USER_FORMAT": pika_user(AMQP_URL),
            "CRM_EVENT_MAX_DELIVERIES": str(max_deliveries),
            "CRM_OUTBOX_BATCH_SIZE": str(batch_size),
            "CRM_LOG_LEVEL": "WARNING",
            "EVT_PRODUCER": self.producer,
            "EVT_CONSUMER": self.consumer,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(CONSUMER_APP_DIR), os.environ.get("PYTHONPATH")])
            ),
        }
        self._processes: list[subprocess.Popen[bytes]] = []
        self._declared = False
        self._users: list[str] = []

    def _write_manifests(self) -> None:
        for name, body in (
            (self.producer, f'publishes = ["{EVENT}"]\n[processes]\nrelay = 0\n'),
            (
                self.consumer,
                f"[processes]\nworker = {self.worker_metrics_port}\n"
                f'[[subscriptions]]\nsource = "{self.producer}"\nevent = "{EVENT}"\n'
                'method = "on_something_happened"\n',
            ),
        ):
            folder = self.root / "services" / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "service.toml").write_text(
                f'name = "{name}"\npackage = "crm_{name}"\ngrpc_port = 0\n{body}'
            )

    @property
    def queue(self) -> str:
        return (
            self.manifests[[m.name for m in self.manifests].index(self.consumer)]
            .subscriptions[0]
            .queue
        )

    # ------------------------------------------------------------------ producing
    def write_events(
        self, count: int, *, aggregates: int = 10, name: str = "thing", per_transaction: int = 50
    ) -> list[str]:
        """Change ``count`` things, emitting one SomethingHappened each; returns event ids."""
        from crm.testing.v1.events_pb2 import SomethingHappened

        ids: list[str] = []
        versions: dict[str, int] = {}
        for start in range(0, count, per_transaction):
            with self.make_uow() as uow:
                for seq in range(start, min(count, start + per_transaction)):
                    aggregate = f"agg-{seq % aggregates}"
                    versions[aggregate] = versions.get(aggregate, 0) + 1
                    session = uow.session
                    assert session is not None  # opened by the with block
                    session.execute(insert(uow.things).values(aggregate_id=aggregate, name=name))
                    ids.append(
                        uow.emit(
                            EVENT,
                            SomethingHappened(name=name, seq=seq),
                            aggregate_type="thing",
                            aggregate_id=aggregate,
                            aggregate_version=versions[aggregate],
                        )
                    )
                uow.commit()
        return ids

    # ------------------------------------------------------------------ observing
    def count(self, table: str, side: str = "consumer") -> int:
        engine, tables = (
            (self.consumer_engine, self.consumer_tables)
            if side == "consumer"
            else (self.producer_engine, self.producer_tables)
        )
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(tables.tables[table])).scalar_one()

    def outbox_statuses(self) -> dict[str, int]:
        outbox = self.producer_tables.tables["outbox"]
        with self.producer_engine.connect() as conn:
            return dict(
                conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
            )

    def received(self) -> Sequence[RowMapping]:
        table = self.consumer_tables.tables["received"]
        with self.consumer_engine.connect() as conn:
            return conn.execute(select(table).order_by(table.c.id)).mappings().all()

    def rows(self, table: str) -> Sequence[RowMapping]:
        t = self.consumer_tables.tables[table]
        with self.consumer_engine.connect() as conn:
            return conn.execute(select(t).order_by(t.c.id)).mappings().all()

    # ------------------------------------------------------------------ processes
    def declare(self) -> None:
        """The bed's topology step: every part of its manifests (its processes declare none)."""
        connection, channel = amqp_channel()
        try:
            declare_topology(channel, self.manifests, self.max_deliveries)
        finally:
            connection.close()
        self._declared = True

    def declare_batch_queue(self) -> None:
        """The batch consumer's queue and dead-letter queue (not in the bed's manifests), as a
        topology step declares a service's queues: events published before the worker first
        starts wait in it."""
        from crm_chassis.messaging.topology import (
            dead_letter_queue,
            events_exchange,
            queue_arguments,
        )

        arguments = queue_arguments(self.batch_queue, self.max_deliveries)
        dlx, dlq = arguments["x-dead-letter-exchange"], dead_letter_queue(self.batch_queue)
        connection, channel = amqp_channel()
        try:
            channel.exchange_declare(
                exchange=events_exchange(self.producer), exchange_type="topic", durable=True
            )
            channel.exchange_declare(exchange=dlx, exchange_type="direct", durable=True)
            channel.queue_declare(queue=self.batch_queue, durable=True, arguments=arguments)
            channel.queue_bind(
                queue=self.batch_queue, exchange=events_exchange(self.producer), routing_key=EVENT
            )
            channel.queue_declare(queue=dlq, durable=True)
            channel.queue_bind(queue=dlq, exchange=dlx, routing_key=self.batch_queue)
        finally:
            connection.close()

    def give_producer_its_broker_user(self) -> str:
        """Create the producer's own broker user (``crm-<producer>``, permissions on the tests'
        vhost; deleted on :meth:`close`), let its relay connect as it and the worker expect it
        (instead of the tests' shared user). Returns the user name."""
        from crm_chassis.messaging.broker_users import broker_user, provision
        from crm_testkit.pytest_broker import vhost_of

        producer = next(m for m in self.manifests if m.name == self.producer)
        provision([producer], vhost_of(AMQP_URL))
        self._users.append(broker_user(self.producer))
        self.env[f"CRM_{self.producer.upper()}_AMQP_URL"] = service_amqp_url(self.producer)
        self.env["CRM_BROKER_USER_FORMAT"] = "crm-{service}"
        return self._users[-1]

    def _spawn(self, args: list[str], **env: str) -> subprocess.Popen[bytes]:
        if not self._declared:  # as make run: the topology step before any process starts
            self.declare()
        log_path = self.root / f"process-{len(self._processes)}.log"
        with open(log_path, "wb") as log_file:  # a file, not a pipe: a full pipe blocks
            process = subprocess.Popen(
                [sys.executable, *args],
                env={**self.env, **env},
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path  # type: ignore[attr-defined]  # read by logs()
        self._processes.append(process)
        return process

    def logs(self) -> str:
        """Output of every process started, for assertion messages."""
        return "\n".join(
            f"--- {p.args[2:]} ({p.log_path})\n"  # type: ignore[attr-defined,index,str-bytes-safe]
            f"{p.log_path.read_text()[-4000:]}"  # type: ignore[attr-defined]
            for p in self._processes
        )

    def start_relay(self, **env: str) -> subprocess.Popen[bytes]:
        return self._spawn(
            ["-m", "crm_chassis.outbox.relay_main", "--service", self.producer], **env
        )

    def start_worker(self, **env: str) -> subprocess.Popen[bytes]:
        return self._spawn(
            ["-m", "crm_chassis.messaging.worker_main", self.consumer, "consumer_app"], **env
        )

    @staticmethod
    def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def wait_for(self, predicate: Callable[[], T], timeout: float, what: str) -> T:
        """Poll ``predicate`` until truthy; on timeout fail with ``what`` and the process logs."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {timeout:.0f}s\n{self.logs()}")
            time.sleep(0.1)

    def wait_rows(self, table: str, expected: int, timeout: float = 30.0) -> None:
        self.wait_for(
            lambda: self.count(table) >= expected,
            timeout,
            f"expected {expected} rows in {table}, have {self.count(table)}",
        )

    @property
    def plain_queue(self) -> str:
        return f"evt-{self.producer}-{EVENT}--{self.consumer}_plain.on_plain"

    @property
    def batch_queue(self) -> str:
        return f"evt-{self.producer}-{EVENT}--{self.consumer}_batch.on_batch"

    @property
    def busy_queues(self) -> list[str]:
        return [
            f"evt-{self.producer}-{EVENT}--{self.consumer}_busy.{method}"
            for method in ("on_one", "on_many")
        ]

    def queue_depth(self, queue: str) -> int | None:
        connection, _ = amqp_channel()
        try:
            return queue_depths(connection.channel, [queue])[queue]
        finally:
            if connection.is_open:
                connection.close()

    def wait_worker_ready(self, timeout: float = 60.0) -> None:
        """Until the worker consumes every queue of its handlers (its /healthz says
        ``consuming``) and nameko has declared the plain listener's queue.

        Tests wait for this before timing what the worker does: a worker process's start-up
        (imports, connections) is not bounded on a loaded machine, what it does once consuming
        is."""
        self.wait_for(
            lambda: self.healthz()[1].get("consuming") is True,
            timeout,
            "the worker's /healthz did not say it consumes",
        )
        self.wait_for(
            lambda: self.queue_depth(self.plain_queue) is not None,
            timeout,
            f"worker did not declare {self.plain_queue}",
        )

    def healthz(self) -> tuple[int, dict[str, Any]]:
        """The worker's /healthz: (HTTP status, verdict per check); (0, {}) when it does not
        answer."""
        import json
        import urllib.error
        import urllib.request

        url = f"http://127.0.0.1:{self.worker_metrics_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())["checks"]
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())["checks"]
        except OSError:
            return 0, {}

    def metrics_text(self) -> str:
        import urllib.request

        url = f"http://127.0.0.1:{self.worker_metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text: str = response.read().decode()
            return text

    def metric(self, name: str) -> float:
        """Sum of every sample of metric ``name`` on the worker's /metrics."""
        total = 0.0
        for line in self.metrics_text().splitlines():
            if line.startswith((name + "{", name + " ")):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def close(self) -> None:
        for process in self._processes:
            self.stop(process)
        connection, channel = amqp_channel()
        try:
            delete_topology(channel, self.manifests)
            channel.queue_delete(queue=self.plain_queue)
            channel.queue_delete(queue=self.batch_queue)
            channel.queue_delete(queue=f"{self.batch_queue}.dlq")
            channel.exchange_delete(exchange=f"{self.consumer}_batch.dlx")
            for queue in self.busy_queues:
                channel.queue_delete(queue=queue)
                channel.queue_delete(queue=f"{queue}.dlq")
        finally:
            connection.close()
        self.producer_engine.dispose()
        self.consumer_engine.dispose()
        if self._users:
            from crm_chassis.messaging.broker_users import delete_user

            for user in self._users:
                delete_user(user)


def pika_user(url: str) -> str:
    import pika

    user: str = pika.URLParameters(url).credentials.username
    return user


# ---------------------------------------------------------------------- a service's own worker
def publish_as(source: str, event_type: str, message: Any, *, times: int = 1) -> None:
    """Publish a stamped event as ``source``'s relay does: over a connection of ``source``'s own
    broker user, with ``user_id`` set, on ``<source>.events``, confirmed. ``times`` > 1 is a
    redelivery (the same event id again)."""
    import pika

    from crm_chassis import events
    from crm_chassis.messaging.broker_users import broker_user, provision_once
    from crm_testkit.pytest_broker import vhost_of

    provision_once(vhost_of(AMQP_URL))

    connection, channel = amqp_channel(service_amqp_url(source))
    try:
        channel.confirm_delivery()
        for _ in range(times):
            channel.basic_publish(
                f"{source}.events",
                event_type,
                events.encode(message).encode(),
                properties=pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    headers=events.headers_for(message.meta),
                    message_id=message.meta.event_id,
                    type=event_type,
                    user_id=broker_user(source),
                ),
                mandatory=True,
            )
    finally:
        connection.close()


def declare_service_part(service: str, env: dict[str, str]) -> None:
    """What ``make run`` does before a worker starts: every service's exchange, then
    ``service``'s own part declared with its own broker user (the worker declares nothing but
    its queues, with ``env``'s event_max_deliveries)."""
    found = manifests.discover()
    connection, channel = amqp_channel()
    try:
        for manifest in found:
            declare_exchanges(channel, manifest)
    finally:
        connection.close()
    from crm_chassis.messaging.broker_users import provision_once
    from crm_testkit.pytest_broker import vhost_of

    provision_once(vhost_of(AMQP_URL))  # the services' users (a test session has them already)
    settings = ServiceSettings.load(service, env={**os.environ, **env})
    declare_with_retry(
        service_amqp_url(service),
        manifests.find(service),
        settings.event_max_deliveries,
        wait_seconds=30,
    )


def existing_queues(queues: Iterable[str]) -> set[str]:
    """Which of ``queues`` exist on the broker (passive declares, one channel each)."""
    import pika.exceptions

    connection, _ = amqp_channel()
    found = set()
    try:
        for queue in queues:
            channel = connection.channel()
            try:
                channel.queue_declare(queue=queue, passive=True)
                found.add(queue)
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass
    finally:
        connection.close()
    return found


def consumer_count(queue: str) -> int:
    """Consumers of ``queue`` now (0 when it does not exist)."""
    import pika.exceptions

    connection, channel = amqp_channel()
    try:
        count: int = channel.queue_declare(queue=queue, passive=True).method.consumer_count
        return count
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()


@contextlib.contextmanager
def service_worker(
    service: str, env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A service's real worker process (``worker_main <service> crm_<service>.entrypoints.worker``)
    with ``CRM_ENV=test`` and ``env`` added, its output in ``log_path`` (a file: a full pipe
    blocks the worker).
    Yields the process; on leaving, stops it with SIGTERM and, unless the body failed, asserts it
    exited cleanly."""
    declare_service_part(service, env)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crm_chassis.messaging.worker_main",
                service,
                f"crm_{service}.entrypoints.worker",
            ],
            env={**os.environ, "CRM_ENV": "test", **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    failed = False
    try:
        yield process
    except BaseException:
        failed = True
        raise
    finally:
        EventBed.stop(process, timeout=30)
        if not failed and process.returncode != 0:
            raise AssertionError(
                f"{service} worker exited with {process.returncode}:\n"
                f"{Path(log_path).read_text()[-3000:]}"
            )


class BrokerLink:
    """A TCP forwarder between processes under test and the broker, which a test can cut.

    ``url`` is ``AMQP_URL`` through the link. :meth:`cut` closes every connection through it
    and stops listening (new connections are refused), which is a broker outage for exactly
    the processes given ``url`` and nobody else on the shared broker; :meth:`restore` listens
    again on the same port.
    """

    def __init__(self, target_url: str = AMQP_URL):
        import socket
        import threading
        from urllib.parse import urlsplit

        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5672)
        self.port = free_port()
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        self.url = parts._replace(
            netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        ).geturl()
        self._socket_module = socket
        self._lock = threading.Lock()
        self._sockets: list[Any] = []
        self._listener: Any = None
        self.restore()

    def restore(self) -> None:
        import threading

        socket = self._socket_module
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: Any) -> None:
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = self._socket_module.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: Any, sink: Any) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(2)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(2)  # wakes the accepting thread (Linux)
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(2)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.cut()
