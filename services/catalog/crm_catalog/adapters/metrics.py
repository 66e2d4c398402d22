"""Prometheus metrics of the api process's PriceQuote caches (adapters/revision_cache.py):

- ``catalog_cache_hits_total{cache}`` and ``catalog_cache_misses_total{cache}``: lookups that
  found / did not find their entry (hit rate = hits / (hits + misses));
- ``catalog_cache_entries{cache}`` and ``catalog_cache_max_entries{cache}``: the size and its
  bound (``CRM_CATALOG_REVISION_CACHE_ENTRIES``).

``cache`` is ``revisions`` (parsed catalog revisions) or ``unit_prices`` (unit prices per
product, unit and price list version). The values are read from the caches when /metrics is
scraped, so a lookup costs nothing more than the integer addition the cache makes under the
lock it already holds (a 100-line quote does a hundred unit-price lookups). Several caches of
one name (tests make many) add up; a cache that is gone keeps its lookups in the counters.
"""

from __future__ import annotations

import threading
import weakref

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from crm_catalog.adapters.revision_cache import LookupCounts, RevisionCache

REVISIONS, UNIT_PRICES = "revisions", "unit_prices"


class CacheMetrics(Collector):
    def __init__(self) -> None:
        self._tracked: list[tuple[str, LookupCounts, weakref.ref]] = []
        self._gone: dict[str, LookupCounts] = {}  # lookups of the caches that are gone
        self._lock = threading.Lock()

    def track(self, name: str, cache: RevisionCache) -> RevisionCache:
        with self._lock:
            self._tracked.append((name, cache.counts, weakref.ref(cache)))
        return cache

    def describe(self):
        return self._families()

    def collect(self):
        hits, misses, entries, bounds = families = self._families()
        totals: dict[str, list[int]] = {}
        with self._lock:
            live = []
            for name, counts, ref in self._tracked:
                cache = ref()
                if cache is None:
                    # fold its lookups in, so the list holds only the caches alive
                    gone = self._gone.setdefault(name, LookupCounts())
                    gone.hits += counts.hits
                    gone.misses += counts.misses
                else:
                    live.append((name, counts, ref))
                    total = totals.setdefault(name, [0, 0, 0, 0])
                    total[0] += counts.hits
                    total[1] += counts.misses
                    total[2] += len(cache)
                    total[3] += max(cache.max_entries, 0)
            self._tracked = live
            for name, gone in self._gone.items():
                total = totals.setdefault(name, [0, 0, 0, 0])
                total[0] += gone.hits
                total[1] += gone.misses
        for name, (hit, miss, size, bound) in sorted(totals.items()):
            hits.add_metric([name], hit)
            misses.add_metric([name], miss)
            entries.add_metric([name], size)
            bounds.add_metric([name], bound)
        return families

    @staticmethod
    def _families():
        return [
            CounterMetricFamily(
                "catalog_cache_hits_total",
                "PriceQuote cache lookups that found their entry.",
                labels=["cache"],
            ),
            CounterMetricFamily(
                "catalog_cache_misses_total",
                "PriceQuote cache lookups that did not find their entry.",
                labels=["cache"],
            ),
            GaugeMetricFamily(
                "catalog_cache_entries", "Entries held by a PriceQuote cache.", labels=["cache"]
            ),
            GaugeMetricFamily(
                "catalog_cache_max_entries",
                "The bound of a PriceQuote cache's entries (CRM_CATALOG_REVISION_CACHE_ENTRIES).",
                labels=["cache"],
            ),
        ]


#: The process's collector, on the default registry that /metrics serves.
CACHES = CacheMetrics()
REGISTRY.register(CACHES)
