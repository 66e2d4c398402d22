"""Read side of the replica, for the api and worker processes of a consuming service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, MetaData, and_, bindparam, select

from crm_chassis.db import READ_ONLY
from crm_chassis.scopes.model import Grant, UserScopes
from crm_chassis.scopes.tables import scope_tables

_VERSIONS, _SCOPES = scope_tables(MetaData())

# Built once with bind parameters: building and cache-keying a select per call costs more than
# running it (docs/adding-a-service.md, "Hot read paths"). One round trip per user.
_USER_SCOPES = (
    select(
        _VERSIONS.c.access_version,
        _VERSIONS.c.active,
        _SCOPES.c.team_id,
        _SCOPES.c.role,
        _SCOPES.c.source,
        _SCOPES.c.unit_id,
    )
    .select_from(_VERSIONS.outerjoin(_SCOPES, _SCOPES.c.user_id == _VERSIONS.c.user_id))
    .where(_VERSIONS.c.user_id == bindparam("user_id"))
)
_TEAM_GRANTS = (
    select(_SCOPES.c.user_id, _SCOPES.c.role, _SCOPES.c.source)
    .select_from(
        _SCOPES.join(
            _VERSIONS, and_(_VERSIONS.c.user_id == _SCOPES.c.user_id, _VERSIONS.c.active.is_(True))
        )
    )
    .where(_SCOPES.c.team_id == bindparam("team_id"))
    .order_by(_SCOPES.c.user_id)
)


class _Remembered:
    """A bounded map of answers that expire ``ttl`` seconds after they were read."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._ttl, self._max, self._clock = ttl, max_entries, clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def put(self, key: str, value: object) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                # Dropping everything is cheap and rare (only past max_entries distinct keys
                # within one ttl); an LRU would cost more on every hit.
                self._entries.clear()
            self._entries[key] = (self._clock() + self._ttl, value)

    def forget(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)


class ScopeReplica:
    """Answers "which teams may this user see, with what role" from the local replica.

    Thread-safe. An answer is remembered for at most ``max_staleness_seconds`` (0 = always read),
    which bounds how late a revocation is seen on top of the event's delivery.

    It reads through connections of its own marked read-only (``crm_chassis.db.READ_ONLY``): use
    cases ask it from inside their unit of work, whose transaction holds SQLite's write lock in
    the embedded default; a read-only connection reads the last commit beside it instead of
    waiting for that lock (which its own caller holds until the replica answers).
    """

    def __init__(
        self,
        engine: Engine,
        max_staleness_seconds: float = 0.25,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_staleness_seconds < 0 or max_staleness_seconds > 1:
            raise ValueError(
                "max_staleness_seconds must be within 0..1: revocation is promised "
                "within one second"
            )
        self._engine = engine
        self._users = _Remembered(max_staleness_seconds, max_entries, clock)
        self._teams = _Remembered(max_staleness_seconds, max_entries, clock)

    def scopes_of(self, user_id: str) -> UserScopes:
        if not user_id:
            return UserScopes(user_id="")
        remembered: UserScopes | None = self._users.get(user_id)
        if remembered is not None:
            return remembered
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            rows = conn.execute(_USER_SCOPES, {"user_id": user_id}).all()
        if not rows:
            scopes = UserScopes(user_id=user_id)
        else:
            version, active = rows[0][0], bool(rows[0][1])
            grants = tuple(
                Grant(team_id, role, source, unit_id or "")
                for _, _, team_id, role, source, unit_id in rows
                if team_id
            )
            scopes = UserScopes(user_id=user_id, version=version, active=active, grants=grants)
        self._users.put(user_id, scopes)
        return scopes

    def roles_by_team(self, user_id: str) -> dict[str, str]:
        return self.scopes_of(user_id).roles_by_team()

    def _team_grants(self, team_id: str) -> tuple[tuple[str, str, str], ...]:
        remembered: tuple[tuple[str, str, str], ...] | None = self._teams.get(team_id)
        if remembered is not None:
            return remembered
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            grants = tuple(tuple(row) for row in conn.execute(_TEAM_GRANTS, {"team_id": team_id}))
        self._teams.put(team_id, grants)
        return grants

    def members(self, team_id: str) -> list[tuple[str, str]]:
        """(user id, role) of the team's active members, by user id."""
        return [
            (user, role)
            for user, role, source in self._team_grants(team_id)
            if source == "membership"
        ]

    def managers_of(self, team_id: str) -> list[str]:
        """Users acting as the team's manager: its manager members and managers of units above."""
        return sorted({user for user, role, _ in self._team_grants(team_id) if role == "manager"})

    def invalidate(self, user_id: str | None = None) -> None:
        """Forget remembered answers (one user's, or all); team answers are always all forgotten."""
        self._users.forget(user_id)
        self._teams.forget()
