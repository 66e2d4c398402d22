"""crm_testkit.infrastructure.temporary_postgres_database drops its database even when the server closed
every session of the test process in between (a PostgreSQL restart, pg_terminate_backend): it
keeps no admin connection open for the database's lifetime. Seen in `make chaos`, whose
teardown failed with "server closed the connection unexpectedly" after PostgreSQL restarted
during the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from crm_testkit import PG_ADMIN_URL, temporary_postgres_database

pytestmark = pytest.mark.integration


def _own_tcp_ports() -> set[int]:
    """Local ports of this process's TCP sockets (its fds, looked up in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _terminate_own_admin_sessions(admin) -> None:
    """What a server restart does to this process's sessions on the admin database, without
    touching anyone else's."""
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() AND client_port = ANY(:ports)"
            ),
            {"ports": sorted(_own_tcp_ports())},
        )


def test_the_database_is_dropped_after_the_servers_sessions_were_terminated():
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with temporary_postgres_database("dropcheck") as url:
        name = url.rsplit("/", 1)[1]
        _terminate_own_admin_sessions(admin)
    with admin.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar_one()
    assert left == 0
