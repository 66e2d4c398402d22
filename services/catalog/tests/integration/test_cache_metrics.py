"""The api process's PriceQuote caches on /metrics: a first quote of new catalog data misses
both caches, the same quote again hits them, on a real server over PostgreSQL."""

import pytest
from prometheus_client import REGISTRY

from crm.catalog.v1 import pricing_pb2

from .conftest import unique

pytestmark = pytest.mark.integration
NAMES = ("catalog_cache_hits_total", "catalog_cache_misses_total", "catalog_cache_entries")


def _readings() -> dict[str, tuple[float, ...]]:
    return {
        cache: tuple(REGISTRY.get_sample_value(name, {"cache": cache}) or 0.0 for name in NAMES)
        for cache in ("revisions", "unit_prices")
    }


def _change(before, after) -> dict[str, tuple[float, ...]]:
    return {
        cache: tuple(a - b for a, b in zip(after[cache], before[cache], strict=True))
        for cache in after
    }


def test_hits_misses_and_entries_follow_price_quotes(client, tokens, catalog):
    group = catalog.bottles(unique("Group"))
    products = [catalog.product(group) for _ in range(3)]
    price_list = catalog.price_list()
    for product in products:
        catalog.item(price_list, product)
    request = pricing_pb2.PriceQuoteRequest(
        lines=[
            pricing_pb2.QuoteLineInput(product_id=p.id, unit="bottle", quantity="2")
            for p in products
        ],
        context=pricing_pb2.PricingContext(price_list_id=price_list.id),
    )

    def quote():
        response = client.call(client.pricing.PriceQuote, request, tokens["deals_service"])
        assert response.complete

    before = _readings()
    quote()
    first = _readings()
    changed = _change(before, first)
    # three unit prices never computed before: three misses, three new entries
    assert changed["unit_prices"] == (0.0, 3.0, 3.0)
    # the new products, their group and the list were never read as of an instant
    hits, misses, entries = changed["revisions"]
    assert misses >= 5 and entries == misses
    quote()
    assert _change(first, _readings()) == {
        "unit_prices": (3.0, 0.0, 0.0),
        "revisions": (misses + hits, 0.0, 0.0),
    }
