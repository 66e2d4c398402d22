"""Integration fixtures: one throw-away PostgreSQL database migrated to head, the catalog's
dependencies on it, principals of every kind and a builder of catalog data through the use
cases (so every row obeys the domain's rules)."""

from __future__ import annotations

import uuid

import pytest

from crm_catalog import migrate
from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.entrypoints.wiring import build_dependencies
from crm_catalog.service_layer import discount_lists, price_lists, products, unit_groups
from crm_chassis.caller import Caller
from crm_testkit import database_fixtures

database_url, engine = database_fixtures("catalog", migrate.upgrade)


@pytest.fixture(scope="session")
def settings(database_url):
    return CatalogSettings.load(
        "catalog",
        env={},
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        shutdown_grace_seconds=0.5,
    )


@pytest.fixture(scope="session")
def deps(settings, engine):
    return build_dependencies(settings, engine=engine)


MANAGER = Caller(
    subject_id="user-maria", roles=frozenset({"catalog_manager"}), display_name="Maria"
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}".upper()


class Catalog:
    """Creates catalog data through the use cases on the real database."""

    def __init__(self, deps):
        self.deps = deps

    def bottles(self, name: str = "Bottles"):
        group = unit_groups.create_unit_group(self.deps, MANAGER, name=name, base_unit="bottle")
        unit_groups.add_unit(
            self.deps,
            MANAGER,
            unit_group_id=group.id,
            name="6-pack",
            quantity="6",
            of_unit="bottle",
        )
        return unit_groups.add_unit(
            self.deps, MANAGER, unit_group_id=group.id, name="case", quantity="4", of_unit="6-pack"
        )

    def product(
        self,
        group,
        sku: str | None = None,
        *,
        list_price="12.00",
        currency="EUR",
        activate=True,
        **extra,
    ):
        product = products.create_product(
            self.deps,
            MANAGER,
            sku=sku or unique("SKU"),
            name="Product",
            currency=currency,
            unit_group_id=group.id,
            default_unit="bottle",
            list_price=list_price,
            standard_cost="6.00",
            current_cost="7.50",
            **extra,
        )
        if activate:
            product = products.activate_product(self.deps, MANAGER, id=product.id)
        return product

    def price_list(self, name: str | None = None, currency="EUR", **extra):
        return price_lists.create_price_list(
            self.deps, MANAGER, name=name or unique("List"), currency=currency, **extra
        )

    def item(
        self,
        price_list,
        product,
        unit="bottle",
        method=PricingMethod.CURRENCY_AMOUNT,
        value="10.00",
        **extra,
    ):
        return price_lists.set_price_list_item(
            self.deps,
            MANAGER,
            price_list_id=price_list.id,
            product_id=product.id,
            unit=unit,
            method=method,
            value=value,
            **extra,
        )

    def discounts(self, tiers, *, type=DiscountType.PERCENTAGE, **extra):
        return discount_lists.create_discount_list(
            self.deps, MANAGER, name=unique("Volume"), type=type, tiers=tiers, **extra
        )


@pytest.fixture(scope="session")
def catalog(deps) -> Catalog:
    return Catalog(deps)


# ---------------------------------------------------------------------------- the gRPC API
@pytest.fixture(scope="session")
def keys():
    from crm_testkit.auth import TestKeys

    return TestKeys()


@pytest.fixture(scope="session")
def server(settings, deps, keys):
    from crm_catalog.entrypoints import api

    running = api.start(settings, deps, verifier=keys.verifier(), access_log=False)
    yield running
    running.stop(0)


class Client:
    """A stub per service and a ``call`` that sends a bearer token."""

    def __init__(self, channel):
        from crm.catalog.v1 import (
            discount_lists_pb2_grpc,
            exchange_rates_pb2_grpc,
            price_lists_pb2_grpc,
            pricing_pb2_grpc,
            products_pb2_grpc,
            snapshots_pb2_grpc,
            units_pb2_grpc,
        )

        self.units = units_pb2_grpc.UnitGroupServiceStub(channel)
        self.products = products_pb2_grpc.ProductServiceStub(channel)
        self.price_lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
        self.discount_lists = discount_lists_pb2_grpc.DiscountListServiceStub(channel)
        self.pricing = pricing_pb2_grpc.PricingServiceStub(channel)
        self.rates = exchange_rates_pb2_grpc.ExchangeRateServiceStub(channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(channel)

    @staticmethod
    def call(method, request, token: str | None = None):
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        return method(request, metadata=metadata, timeout=10)


@pytest.fixture(scope="session")
def client(server):
    import grpc

    channel = grpc.insecure_channel(server.address)
    yield Client(channel)
    channel.close()


@pytest.fixture(scope="session")
def tokens(keys):
    """One token per kind of caller the authorization table names."""
    return {
        "catalog_manager": keys.token("user-cm", roles=["catalog_manager"], departments=[]),
        "pricing_manager": keys.token("user-pm", roles=["pricing_manager"], departments=[]),
        "sales": keys.token("user-sales", departments=["sales"]),
        "management": keys.token("user-mgmt", departments=["management"]),
        "marketing": keys.token("user-mkt", departments=["marketing"]),
        "no_department": keys.token("user-none"),
        "admin": keys.token("user-admin", roles=["admin"], departments=["after_sales"]),
        "deals_service": keys.token("deals", kind="service", roles=["quote_prices"]),
        "service_with_roles": keys.token(
            "rogue", kind="service", roles=["catalog_manager", "pricing_manager"]
        ),
    }
