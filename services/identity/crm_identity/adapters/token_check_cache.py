"""Remembers, for a fraction of a second, that a token passed identity's revocation check.

Every authenticated call to identity checks in the database that the caller is still active and
that the token predates no password change (see service_layer.authentication.token_still_valid).
A burst of calls with one token would pay that read each time; this cache lets an accepted
(kind, subject, issued-at) skip it for ``ttl_seconds`` (default 0.5 s, setting
``CRM_IDENTITY_TOKEN_CHECK_CACHE_SECONDS``; 0 turns it off). It never remembers a refusal.

Staleness bound: a revocation made through *this* process clears the cache at once; one made
through another replica is seen here within ``ttl_seconds`` — inside the platform's promise that
revocation takes effect everywhere within one second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class RecentTokenChecks:
    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._accepted: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def accepted_recently(self, key: Hashable) -> bool:
        if self._ttl <= 0:
            return False
        expires = self._accepted.get(key)
        return expires is not None and self._clock() < expires

    def remember(self, key: Hashable) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._accepted) >= self._max:
                now = self._clock()
                self._accepted = {k: e for k, e in self._accepted.items() if e > now}
                if len(self._accepted) >= self._max:
                    self._accepted.clear()
            self._accepted[key] = self._clock() + self._ttl

    def clear(self) -> None:
        with self._lock:
            self._accepted = {}
