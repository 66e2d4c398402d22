"""Which relay of a service may publish: a PostgreSQL session advisory lock, fenced per batch.

The leader holds ``pg_try_advisory_lock(key)`` on a dedicated connection (the server releases it
when that session ends: the process died, or its session was terminated). Every batch is read
through :meth:`RelayLeadership.select_batch`, which first checks on that same connection that the
session still holds the lock, then selects the batch there: a leader whose session was lost
learns it before it publishes anything more, so two relays never publish batches at once (the one
batch already in flight when the session is killed can still go out: consumers dedupe by event
id). SQLite databases are single-host: no lock, always the leader.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, Executable, RowMapping, TextClause, text
from sqlalchemy.exc import DBAPIError, OperationalError

from crm_chassis.db import is_postgres

log = logging.getLogger(__name__)


class Standing(enum.Enum):
    LEADER = "leader"
    STANDBY = "standby"  # another relay holds the lock
    UNREACHABLE = "unreachable"  # the database could not be asked


class LeadershipLost(RuntimeError):
    """This relay's lock session is gone (or the lock with it): stop publishing."""


def relay_lock_key(service_name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``service_name``'s relay."""
    digest = hashlib.sha256(f"crm.outbox.relay:{service_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_held_query(key: int) -> tuple[TextClause, dict[str, int]]:
    """Whether this session holds the bigint advisory lock ``key`` (classid: high 32 bits,
    objid: low 32 bits, objsubid 1, as PostgreSQL stores a one-bigint advisory lock)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return (
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = CAST(:hi AS oid) "
            "AND objid = CAST(:lo AS oid) AND objsubid = 1"
        ),
        {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
    )


class RelayLeadership:
    """Whether this relay may publish (see module docstring)."""

    def __init__(self, engine: Engine, service_name: str) -> None:
        self._engine = engine
        self._key = relay_lock_key(service_name)
        self._held_query = _lock_held_query(self._key)
        self._connection: Connection | None = None
        self.is_leader = not is_postgres(engine)

    def try_acquire(self) -> Standing:
        if not is_postgres(self._engine) or self._connection is not None:
            return Standing.LEADER if self.is_leader else Standing.STANDBY
        connection = None
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            acquired = connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}
            ).scalar()
        except (OperationalError, DBAPIError) as exc:
            if connection is not None:
                connection.invalidate()
                connection.close()
            log.debug("relay lock: database unreachable (%s)", exc.__class__.__name__)
            return Standing.UNREACHABLE
        if acquired:
            self._connection, self.is_leader = connection, True
            return Standing.LEADER
        connection.close()
        return Standing.STANDBY

    def select_batch(self, statement: Executable) -> Sequence[RowMapping]:
        """The rows of ``statement``, read only while the lock is verifiably held; raises
        :class:`LeadershipLost` (after stepping down) otherwise."""
        if not is_postgres(self._engine):
            with self._engine.connect() as conn:
                return conn.execute(statement).mappings().all()
        connection = self._connection
        if connection is None:
            raise LeadershipLost("not the leader")
        try:
            held = connection.execute(*self._held_query).scalar()
            if held:
                return connection.execute(statement).mappings().all()
        except (OperationalError, DBAPIError) as exc:
            self.release()
            raise LeadershipLost(f"relay lock session lost ({exc.__class__.__name__})") from exc
        self.release()
        raise LeadershipLost("relay lock no longer held by this session")

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding the lock (operations, tests)."""
        if self._connection is None:
            return None
        return self._connection.execute(text("SELECT pg_backend_pid()")).scalar()

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self.is_leader = False
            try:
                if not connection.invalidated:
                    connection.invalidate()  # never back to the pool: it may hold the lock
            except Exception:
                log.debug("error closing the relay lock connection", exc_info=True)
            finally:
                connection.close()  # ending the session releases the advisory lock
