"""gRPC health follows the database: NOT_SERVING while the api's PostgreSQL database accepts no
connections, SERVING again once it does (the shared server itself keeps running)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_chassis.grpc.db_health import LIVENESS_SERVICE, DatabaseHealthWatcher
from crm_chassis.grpc.server import start_server
from crm_chassis.settings import ServiceSettings
from crm_testkit import PG_ADMIN_URL, echo, temporary_postgres_database, wait_until

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _allow_connections(database: str, allowed: bool) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
            if not allowed:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"
                    ),
                    {"d": database},
                )
    finally:
        admin.dispose()


def test_health_is_not_serving_while_the_database_is_unreachable_and_serving_after():
    with temporary_postgres_database("health") as url:
        database = make_url(url).database
        settings = ServiceSettings.load(
            "echo",
            env={},
            grpc_port=0,
            grpc_max_workers=2,
            database_url=url,
            health_check_seconds=0.1,
        )
        running = start_server(settings, echo.register, service_names=[echo.ECHO_SERVICE])
        try:
            with grpc.insecure_channel(running.address) as channel:
                stub = health_pb2_grpc.HealthStub(channel)

                def status(service=""):
                    return stub.Check(
                        health_pb2.HealthCheckRequest(service=service), timeout=5
                    ).status

                assert status() == SERVING and status(echo.ECHO_SERVICE) == SERVING
                _allow_connections(database, False)
                try:
                    wait_until(
                        lambda: status() == NOT_SERVING,
                        timeout=20,
                        message="health stayed SERVING without a database",
                    )
                    assert status(echo.ECHO_SERVICE) == NOT_SERVING
                    assert status(LIVENESS_SERVICE) == SERVING  # the process itself is fine
                finally:
                    _allow_connections(database, True)
                wait_until(
                    lambda: status() == SERVING,
                    timeout=20,
                    message="health did not return to SERVING",
                )
                assert status(echo.ECHO_SERVICE) == SERVING
        finally:
            running.stop(0)


def test_sqlite_has_no_watcher():
    settings = ServiceSettings.load("echo", env={}, database_url="sqlite:///:memory:")
    assert DatabaseHealthWatcher.for_settings(settings, None) is None
