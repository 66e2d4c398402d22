"""Test helpers shared by every service's test suite (real PostgreSQL and RabbitMQ).

``CRM_TEST_PG_URL`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/postgres``) is the
server used to create one throw-away database per test session; ``CRM_TEST_AMQP_URL`` the broker
as its administrative user, on the session's own virtual host (:mod:`crm_testkit.pytest_broker`
creates it); :func:`service_amqp_url` the same vhost as a service's own broker user.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pika
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get(
    "CRM_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CRM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@contextlib.contextmanager
def temporary_postgres_database(prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards.

    The admin connections are not pooled: one for the create, a fresh one for the drop. A pooled
    one would sit idle on one of the server's shared connection slots for the database's whole
    life and be dead at the drop if the server closed it meanwhile (a restart,
    pg_terminate_backend)."""
    name = f"crmtest_{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_postgres_database(name)


def drop_postgres_database(name: str) -> None:
    """Drop a database of the tests, ending its sessions first, on a fresh admin connection."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
            low, high = ports.read().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now on 127.0.0.1, for a server a test starts a moment later.

    Another process may bind it between this check and the server's bind: a bed of processes
    started in other processes holds its ports with ``reserve_port`` instead."""
    with _bound_candidate() as sock:
        port: int = sock.getsockname()[1]
        return port


class PortReservation:
    """A port held for a child process until ``close``: the socket stays bound (never
    listening) with SO_REUSEADDR set after the bind. Every server of the platform binds with
    SO_REUSEADDR (gRPC, prometheus' endpoint, uvicorn), which Linux allows beside a bound socket
    that is not listening, so the child binds and listens on it; anyone else probing or binding
    without that option (another bed's ``free_port`` or ``reserve_port``, any other server) finds
    it in use, for as long as the reservation is held (restarts of the child included)."""

    def __init__(self) -> None:
        self._socket = _bound_candidate()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()


def reserve_port() -> PortReservation:
    """A port held for a server another process starts (``PortReservation``); close it when that
    server has stopped for good."""
    return PortReservation()


def _bound_candidate() -> socket.socket:
    """A socket bound, without SO_REUSEADDR, to a port free on 127.0.0.1.

    Chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is also
    what it gives the outgoing connections of every process (to PostgreSQL, RabbitMQ, the other
    apis), and one of those could take it before the server binds — "Address already in use" in
    a platform of fifteen busy processes. Outside that range only another server can take it,
    and it is picked at random among ~10,000. A bind without SO_REUSEADDR fails beside any other
    socket on the port, reserved ones included: the check and the taking are one step."""
    low, _ = _ephemeral_range()
    first = 20000 if low > 21000 else 1024
    last = min(low - 1, first + 12000)
    for _ in range(200):
        port = random.randint(first, last)
        # A platform bed asks for some forty ports before any server binds: each is free when
        # asked, so two draws of the same port would both pass the bind check (about one bed in
        # fifteen). A port handed out once is never handed out again by this process.
        if port in _HANDED_OUT:
            continue
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        _HANDED_OUT.add(port)
        return sock
    sock = socket.socket()  # a crowded machine: let the kernel choose
    sock.bind(("127.0.0.1", 0))
    return sock


def unique_vhost_free_name(prefix: str) -> str:
    """A name unique to this test run, for exchanges/queues that must not collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def service_amqp_url(service: str) -> str:
    """``AMQP_URL``'s broker and vhost, as ``service``'s broker user (what its relay uses)."""
    from urllib.parse import unquote, urlsplit

    from crm_chassis.messaging.broker_users import local_amqp_url

    parts = urlsplit(AMQP_URL)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return local_amqp_url(
        service, vhost, host=parts.hostname or "127.0.0.1", port=parts.port or 5672
    )


def amqp_channel(url: str = AMQP_URL, patience: float = 60.0) -> tuple[Any, Any]:
    """A blocking connection to ``url`` and a channel on it (close the connection).

    A broker starved of CPU (a loaded CI machine, a test that has just restarted it) can miss
    pika's 15-second handshake deadline or refuse the socket for a moment; that is the machine,
    not the code under test, so the connection is tried again for ``patience`` seconds before
    the error is raised. Wrong credentials or a missing vhost fail at once."""
    from pika.adapters.utils.connection_workflow import AMQPConnectorException

    deadline = time.monotonic() + patience
    while True:
        try:
            connection = pika.BlockingConnection(pika.URLParameters(url))
            return connection, connection.channel()
        except (
            pika.exceptions.ProbableAuthenticationError,
            pika.exceptions.ProbableAccessDeniedError,
        ):
            raise
        except (AMQPConnectorException, pika.exceptions.AMQPConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, message: str = ""
) -> T:
    """Poll ``predicate`` until truthy; raise AssertionError with ``message`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout}s")
        time.sleep(interval)


def database_fixtures(
    prefix: str,
    upgrade: Callable[[str], object],
    *,
    pool_size: int = 4,
    configure: Callable[[Engine], object] | None = None,
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The session fixtures every service's integration suite starts from, for its conftest::

        database_url, engine = database_fixtures("leads", migrate.upgrade)

    ``database_url``: a throw-away PostgreSQL database migrated to head by ``upgrade(url)``;
    ``engine``: an engine on it (``configure(engine)`` applied, as the service's wiring does).
    """
    import pytest

    from crm_chassis.db import make_engine

    @pytest.fixture(scope="session", name="database_url")
    def database_url_fixture() -> Iterator[str]:
        with temporary_postgres_database(prefix) as url:
            upgrade(url)
            yield url

    @pytest.fixture(scope="session", name="engine")
    def engine_fixture(database_url: str) -> Iterator[Engine]:
        engine = make_engine(database_url, pool_size=pool_size)
        if configure is not None:
            configure(engine)
        yield engine
        engine.dispose()

    return database_url_fixture, engine_fixture


@contextlib.contextmanager
def database_down(database_url: str) -> Iterator[None]:
    """A real outage of one PostgreSQL database for its clients: it accepts no connection and
    every session on it is terminated (as in a restart or fail-over), until the block ends."""
    name = make_url(database_url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
