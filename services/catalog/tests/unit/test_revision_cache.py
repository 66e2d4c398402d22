from crm_catalog.adapters.revision_cache import RevisionCache


def test_get_many_answers_like_get_in_order_with_none_for_missing_keys():
    cache = RevisionCache(max_entries=10)
    cache.put(("product", "a", 1), "A1")
    cache.put(("product", "b", 2), "B2")
    assert cache.get_many([("product", "b", 2), ("product", "x", 1), ("product", "a", 1)]) == [
        "B2",
        None,
        "A1",
    ]


def test_get_many_counts_as_a_use_for_eviction():
    cache = RevisionCache(max_entries=2)
    cache.put("old", 1)
    cache.put("new", 2)
    cache.get_many(["old"])
    cache.put("newest", 3)  # evicts the least recently used: "new", not "old"
    assert cache.get("old") == 1 and cache.get("new") is None and cache.get("newest") == 3
