"""The PriceQuote caches count their lookups, and /metrics shows hits, misses, entries and the
bound per cache (adapters/metrics.py)."""

import gc

from prometheus_client import REGISTRY, CollectorRegistry

from crm_catalog.adapters.metrics import CacheMetrics
from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.entrypoints.wiring import build_dependencies


def test_get_and_get_many_count_hits_and_misses():
    cache = RevisionCache(max_entries=10)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1 and cache.get("x") is None
    assert (cache.counts.hits, cache.counts.misses) == (1, 1)
    cache.get_many(["a", "x", "b", "y", "z"])
    assert (cache.counts.hits, cache.counts.misses) == (3, 4)
    cache.get_many(["x"])  # all missing
    assert (cache.counts.hits, cache.counts.misses) == (3, 5)


def test_a_disabled_cache_counts_every_lookup_as_a_miss():
    cache = RevisionCache(max_entries=0)
    cache.put("a", 1)
    assert cache.get("a") is None and cache.get_many(["a", "b"]) == [None, None]
    assert (cache.counts.hits, cache.counts.misses, len(cache)) == (0, 3, 0)


def _samples(registry: CollectorRegistry, cache: str) -> tuple:
    return tuple(
        registry.get_sample_value(name, {"cache": cache})
        for name in (
            "catalog_cache_hits_total",
            "catalog_cache_misses_total",
            "catalog_cache_entries",
            "catalog_cache_max_entries",
        )
    )


def test_metrics_add_up_caches_of_one_name_and_keep_the_lookups_of_a_cache_that_is_gone():
    registry = CollectorRegistry()
    metrics = CacheMetrics()
    registry.register(metrics)
    first = metrics.track("revisions", RevisionCache(max_entries=5))
    second = metrics.track("revisions", RevisionCache(max_entries=7))
    prices = metrics.track("unit_prices", RevisionCache(max_entries=3))
    first.put("a", 1)
    first.get_many(["a", "b"])
    second.put("c", 3)
    second.put("d", 4)
    second.get("c")
    prices.get("p")
    assert _samples(registry, "revisions") == (2.0, 1.0, 3.0, 12.0)
    assert _samples(registry, "unit_prices") == (0.0, 1.0, 0.0, 3.0)
    del second
    gc.collect()
    assert _samples(registry, "revisions") == (2.0, 1.0, 1.0, 5.0)  # counters never go back
    first.get("b")
    assert _samples(registry, "revisions") == (2.0, 2.0, 1.0, 5.0)


def test_the_api_process_caches_report_to_the_default_registry():
    deps = build_dependencies(
        CatalogSettings.load(
            "catalog", env={}, database_url="sqlite:///:memory:", revision_cache_entries=4
        )
    )
    try:
        before = _samples(REGISTRY, "unit_prices")
        deps.unit_prices.put(("key",), "price")
        deps.unit_prices.get(("key",))
        deps.unit_prices.get(("other",))
        hits, misses, entries, bound = _samples(REGISTRY, "unit_prices")
        assert (hits - before[0], misses - before[1], entries - before[2]) == (1, 1, 1)
        assert (
            bound >= 4
            and REGISTRY.get_sample_value("catalog_cache_max_entries", {"cache": "revisions"}) >= 4
        )
    finally:
        deps.close()
