"""A process-wide cache of values derived from committed revisions, keyed by their versions.

Used for parsed revisions, keyed (kind, id, version), and for PriceQuote's unit prices, keyed by
the versions they were computed from. A committed revision never changes, so caching it needs
no invalidation: a new version is a new key. PriceQuote reads a 100-line quote's products, unit
groups, price lists and discount lists "as of" an instant; with the cache that costs one small
query (which versions were valid then) instead of parsing every JSON snapshot on every call.

Cached aggregates are shared between threads and requests: only the read-only "as of" path uses
them, and nothing on it mutates an aggregate (every change loads its own copy through ``get``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class LookupCounts:
    """Hits and misses of one cache since it was made. Plain integers, bumped under the cache's
    lock it already holds: the hot path pays an addition, and the Prometheus collector
    (adapters/metrics.py) reads them only when scraped. Kept apart from the cache so the
    collector can hold the counts of a cache that is gone (counters never go back)."""

    hits: int = 0
    misses: int = 0


class RevisionCache:
    """Least-recently-used, bounded by ``max_entries``; thread-safe; counts its lookups."""

    def __init__(self, max_entries: int = 50_000):
        self.max_entries = max_entries
        self.counts = LookupCounts()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.counts.misses += 1
            else:
                self.counts.hits += 1
                self._entries.move_to_end(key)
            return value

    def get_many(self, keys: list[Hashable]) -> list[Any | None]:
        """``get`` of each key under one acquisition of the lock (a quote reads ~100)."""
        with self._lock:
            entries = self._entries
            values = [entries.get(key) for key in keys]
            misses = values.count(None)
            counts = self.counts
            counts.misses += misses
            counts.hits += len(values) - misses
            if misses < len(values):
                for key, value in zip(keys, values, strict=True):
                    if value is not None:
                        entries.move_to_end(key)
            return values

    def put(self, key: Hashable, value: Any) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
