"""The relay's commit-time wake-up on PostgreSQL: LISTEN on the outbox's notification channel.

The outbox trigger (``crm_chassis.outbox.tables``) notifies at every commit that added rows; the
relay's idle wait returns as soon as the notification arrives, so an event is published
milliseconds after its transaction commits instead of up to ``outbox_poll_seconds`` later. The
poll stays as the safety net: a missed notification (the listening connection was lost, or a
database migrated before the trigger existed) costs one poll interval, never an event.
"""

from __future__ import annotations

import logging
import select
from typing import Any

from sqlalchemy import Engine

from crm_chassis.outbox.tables import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class OutboxWakeup:
    """A dedicated autocommit connection LISTENing on the outbox channel (PostgreSQL only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None  # the psycopg2 connection, LISTENing
        self._raw: Any = None

    @classmethod
    def for_engine(cls, engine: Engine) -> OutboxWakeup | None:
        return cls(engine) if engine.dialect.name == "postgresql" else None

    def _connect(self) -> Any:
        if self._connection is None:
            raw = self._engine.raw_connection()
            raw.detach()  # ours for good: LISTEN lives as long as the connection
            connection: Any = raw.dbapi_connection
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._raw, self._connection = raw, connection
        return self._connection

    def fileno(self) -> int | None:
        """The socket to wait on, or None while the database cannot be reached."""
        try:
            fileno: int = self._connect().fileno()
            return fileno
        except Exception as exc:  # noqa: BLE001 - polling still works without it
            log.warning("outbox wake-up unavailable, polling only: %s", exc)
            self.close()
            return None

    def drain(self) -> bool:
        """Consume pending notifications; True if there was any (or the connection broke)."""
        connection = self._connection
        if connection is None:
            return True
        try:
            connection.poll()
        except Exception as exc:  # noqa: BLE001 - reconnect at the next wait
            log.warning("outbox wake-up connection lost: %s", exc)
            self.close()
            return True
        woken = bool(connection.notifies)
        connection.notifies.clear()
        return woken

    def wait(self, seconds: float) -> bool:
        """Block up to ``seconds`` for a notification (when no broker loop needs serving)."""
        fd = self.fileno()
        if fd is None:
            return False
        readable, _, _ = select.select([fd], [], [], seconds)
        return bool(readable) and self.drain()

    def close(self) -> None:
        if self._raw is not None:
            try:
                self._raw.close()
            except Exception:  # noqa: BLE001
                pass
        self._raw = self._connection = None
