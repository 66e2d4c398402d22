"""catalog's PriceQuote through gRPC: a 100-line quote on a price list with volume tiers.

The catalog api runs in its own process (``python -m crm_catalog.entrypoints.api``) on a
PostgreSQL database filled through the use cases: 100 active products, one default EUR price
list pricing each of them per bottle (amounts) and per case (90 % of list, rounded up to end in
.99) with a three-tier percentage discount list. Its token verifier is the production one
(``IdentityKeySource``), reading the signing key from a small AuthService/GetSigningKeys
endpoint in this process; the caller is the deals service account. Each call reads the catalog
"as of" now (revision lookups, cached revisions) and prices and explains all 100 lines. The raw
grpcio echo of the same run is the floor. Target: PriceQuote 100 lines p50 <= 5 ms.

    .venv/bin/python -m bench.catalog_bench
"""

from __future__ import annotations

import contextlib
import time
from concurrent import futures

import grpc

from bench.grpc_floor import raw_floor
from bench.servers import api_process
from crm.catalog.v1 import pricing_pb2, pricing_pb2_grpc
from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_chassis.caller import Caller
from crm_testkit import temporary_postgres_database
from crm_testkit.auth import TestKeys

TARGET_MS = 5.0
LINES = 100


class KeyPublisher(auth_pb2_grpc.AuthServiceServicer):
    """identity's key endpoint, and nothing else: the catalog's verifier reads it."""

    def __init__(self, keys: TestKeys):
        self.keys = keys

    def GetSigningKeys(self, request, context):
        return auth_pb2.GetSigningKeysResponse(
            issuer=self.keys.issuer,
            keys=[
                auth_pb2.SigningKey(
                    kid=self.keys.kid,
                    algorithm="EdDSA",
                    public_key_pem=self.keys.public_pem,
                    active=True,
                )
            ],
        )


@contextlib.contextmanager
def key_endpoint(keys: TestKeys):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(KeyPublisher(keys), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)


def fill_catalog(database_url: str) -> list[str]:
    """The benchmark's catalog, made through the use cases; returns the product ids."""
    from crm_catalog import migrate
    from crm_catalog.domain.discounts import DiscountType
    from crm_catalog.domain.pricing_methods import PricingMethod
    from crm_catalog.domain.rounding import RoundingMode, RoundingOption
    from crm_catalog.entrypoints.settings import CatalogSettings
    from crm_catalog.entrypoints.wiring import build_dependencies
    from crm_catalog.service_layer import discount_lists, price_lists, products, unit_groups

    migrate.upgrade(database_url)
    deps = build_dependencies(CatalogSettings.load("catalog", env={}, database_url=database_url))
    manager = Caller(subject_id="bench-manager", roles=frozenset({"catalog_manager"}))
    try:
        group = unit_groups.create_unit_group(deps, manager, name="Bottles", base_unit="bottle")
        unit_groups.add_unit(
            deps, manager, unit_group_id=group.id, name="case", quantity="12", of_unit="bottle"
        )
        volume = discount_lists.create_discount_list(
            deps,
            manager,
            name="Volume",
            type=DiscountType.PERCENTAGE,
            tiers=[
                {"low": "1", "high": "9", "value": "0"},
                {"low": "10", "high": "49", "value": "5"},
                {"low": "50", "high": "", "value": "10"},
            ],
        )
        standard = price_lists.create_price_list(deps, manager, name="Standard", currency="EUR")
        ids = []
        for n in range(LINES):
            product = products.create_product(
                deps,
                manager,
                sku=f"BENCH-{n:03d}",
                name=f"Bench wine {n}",
                unit_group_id=group.id,
                default_unit="bottle",
                currency="EUR",
                list_price=f"{8 + n % 17}.{n % 100:02d}",
                standard_cost="4.00",
                current_cost="4.50",
            )
            products.activate_product(deps, manager, id=product.id)
            price_lists.set_price_list_item(
                deps,
                manager,
                price_list_id=standard.id,
                product_id=product.id,
                unit="bottle",
                method=PricingMethod.CURRENCY_AMOUNT,
                value=f"{7 + n % 13}.50",
                discount_list_id=volume.id,
            )
            price_lists.set_price_list_item(
                deps,
                manager,
                price_list_id=standard.id,
                product_id=product.id,
                unit="case",
                method=PricingMethod.PERCENT_OF_LIST,
                value="90",
                rounding_mode=RoundingMode.UP,
                rounding_option=RoundingOption.ENDING,
                rounding_amount="0.99",
                discount_list_id=volume.id,
            )
            ids.append(product.id)
        return ids
    finally:
        deps.close()


@contextlib.contextmanager
def catalog_server(database_url: str, identity_address: str):
    with api_process(
        "catalog",
        {
            "CRM_CATALOG_DATABASE_URL": database_url,
            "CRM_CATALOG_IDENTITY_ADDRESS": identity_address,
        },
    ) as address:
        yield address


def _timed(call, n: int) -> dict:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return {
        "n": n,
        "p50_us": round(samples[n // 2] / 1000, 1),
        "p99_us": round(samples[min(n - 1, int(n * 0.99))] / 1000, 1),
    }


def quote_request(
    product_ids: list[str], count: int, shift: int = 0
) -> pricing_pb2.PriceQuoteRequest:
    """Quantities 1..60 across the three tiers (``shift`` moves every line's quantity); every
    third line by the case."""
    return pricing_pb2.PriceQuoteRequest(
        lines=[
            pricing_pb2.QuoteLineInput(
                product_id=product_ids[n % len(product_ids)],
                unit="case" if n % 3 == 0 else "bottle",
                quantity=str(1 + (n * 7 + shift) % 60),
            )
            for n in range(count)
        ],
        context=pricing_pb2.PricingContext(currency="EUR", account_id="bench-account"),
    )


def run(n: int = 400) -> dict:
    floor = raw_floor(2000)
    keys = TestKeys()
    bearer = (
        ("authorization", f"Bearer {keys.token('deals', kind='service', roles=['quote_prices'])}"),
    )
    with temporary_postgres_database("bench_catalog") as url, key_endpoint(keys) as keys_at:
        product_ids = fill_catalog(url)
        with catalog_server(url, keys_at) as address, grpc.insecure_channel(address) as channel:
            pricing = pricing_pb2_grpc.PricingServiceStub(channel)
            # Quotes differ in every line's quantity, so each call really computes its gross,
            # tiers and discounts; what stays warm is what a running api keeps warm: parsed
            # revisions and unit prices (see docs/services/catalog.md).
            quotes = [quote_request(product_ids, LINES, shift) for shift in range(16)]
            single = quote_request(product_ids, 1)
            started = time.perf_counter()
            first = pricing.PriceQuote(quotes[0], metadata=bearer, timeout=10)
            cold_ms = round((time.perf_counter() - started) * 1000, 1)
            if not first.complete or first.totals.priced_lines != LINES:
                raise RuntimeError(
                    "the benchmark quote did not price every line: "
                    + next(line.error.message for line in first.lines if line.HasField("error"))
                )
            calls = iter(range(10**9))
            for _ in range(50):
                pricing.PriceQuote(quotes[next(calls) % 16], metadata=bearer, timeout=10)
            hundred = _timed(
                lambda: pricing.PriceQuote(quotes[next(calls) % 16], metadata=bearer, timeout=10), n
            )
            one = _timed(lambda: pricing.PriceQuote(single, metadata=bearer, timeout=10), n)
    p50_ms = hundred["p50_us"] / 1000
    rows = []
    for name, stats in (
        ("raw grpcio echo (floor)", floor),
        (f"PriceQuote {LINES} lines (list + tiers)", hundred),
        ("PriceQuote 1 line", one),
    ):
        rows.append((f"{name} p50", stats["p50_us"], "µs", f"n={stats['n']}"))
        rows.append((f"{name} p99", stats["p99_us"], "µs", f"n={stats['n']}"))
    rows.append(
        (f"PriceQuote {LINES} lines per line (p50)", round(hundred["p50_us"] / LINES, 1), "µs", "")
    )
    rows.append(
        (f"first PriceQuote {LINES} lines after start (cold caches)", cold_ms, "ms", "one call")
    )
    return {
        "title": "catalog PriceQuote over gRPC on PostgreSQL",
        "rows": rows,
        "checks": [(f"PriceQuote {LINES} lines p50 <= {TARGET_MS:g} ms", p50_ms <= TARGET_MS)],
        "notes": "Sequential calls on one channel, api in its own process, service token, "
        "catalog read as of now on every call (revision lookups under the shared "
        "revision lock; parsed revisions cached per process), every line "
        "explained, net = sum of lines.",
    }


if __name__ == "__main__":
    result = run()
    for name, value, unit, note in result["rows"]:
        print(f"{name:<45} {value:>10} {unit:<3} {note}")
    for check, passed in result["checks"]:
        print(f"{'PASS' if passed else 'FAIL'}  {check}")
