"""catalog's api process: its six gRPC services through the chassis entrypoint kit (auth with
identity's published keys, metrics, logs, error mapping, health, reflection). Run
``python -m crm_catalog.migrate`` first.

    python -m crm_catalog.entrypoints.api

No principal check: the catalog keeps no user state; what a caller may do follows from the
roles and departments in the token (service_layer/authorization.py), which lives at most
15 minutes.
"""

from __future__ import annotations

from crm.catalog.v1 import (
    discount_lists_pb2,
    discount_lists_pb2_grpc,
    exchange_rates_pb2,
    exchange_rates_pb2_grpc,
    price_lists_pb2,
    price_lists_pb2_grpc,
    pricing_pb2,
    pricing_pb2_grpc,
    products_pb2,
    products_pb2_grpc,
    snapshots_pb2,
    snapshots_pb2_grpc,
    units_pb2,
    units_pb2_grpc,
)
from crm_catalog.adapters.grpc_exchange_rates import ExchangeRateServicer
from crm_catalog.adapters.grpc_price_lists import DiscountListServicer, PriceListServicer
from crm_catalog.adapters.grpc_pricing import PricingServicer
from crm_catalog.adapters.grpc_products import ProductServicer, UnitGroupServicer
from crm_catalog.adapters.grpc_snapshots import SnapshotServicer
from crm_catalog.entrypoints import settings, wiring
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.service_layer.dependencies import Dependencies
from crm_chassis.entrypoints.api import ApiApp, Servicer

APP: ApiApp[CatalogSettings, Dependencies] = ApiApp(
    service=settings.SERVICE_NAME,
    load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(
            units_pb2,
            "UnitGroupService",
            units_pb2_grpc.add_UnitGroupServiceServicer_to_server,
            UnitGroupServicer,
        ),
        Servicer(
            products_pb2,
            "ProductService",
            products_pb2_grpc.add_ProductServiceServicer_to_server,
            ProductServicer,
        ),
        Servicer(
            price_lists_pb2,
            "PriceListService",
            price_lists_pb2_grpc.add_PriceListServiceServicer_to_server,
            PriceListServicer,
        ),
        Servicer(
            discount_lists_pb2,
            "DiscountListService",
            discount_lists_pb2_grpc.add_DiscountListServiceServicer_to_server,
            DiscountListServicer,
        ),
        Servicer(
            pricing_pb2,
            "PricingService",
            pricing_pb2_grpc.add_PricingServiceServicer_to_server,
            PricingServicer,
        ),
        Servicer(
            exchange_rates_pb2,
            "ExchangeRateService",
            exchange_rates_pb2_grpc.add_ExchangeRateServiceServicer_to_server,
            ExchangeRateServicer,
        ),
        Servicer(
            snapshots_pb2,
            "SnapshotService",
            snapshots_pb2_grpc.add_SnapshotServiceServicer_to_server,
            SnapshotServicer,
        ),
    ),
)
SERVICE_NAMES = APP.service_names
start = APP.start
main = APP.main

if __name__ == "__main__":
    main()
