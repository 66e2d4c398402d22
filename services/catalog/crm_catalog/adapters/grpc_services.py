"""Every catalog gRPC service: their full names (health, reflection) and one ``register``."""
from __future__ import annotations

from crm.catalog.v1 import (discount_lists_pb2, discount_lists_pb2_grpc, price_lists_pb2,
                            price_lists_pb2_grpc, pricing_pb2, pricing_pb2_grpc, products_pb2,
                            products_pb2_grpc, units_pb2, units_pb2_grpc)

from crm_chassis.grpc import service_name_of

from crm_catalog.adapters.grpc_price_lists import DiscountListServicer, PriceListServicer
from crm_catalog.adapters.grpc_pricing import PricingServicer
from crm_catalog.adapters.grpc_products import ProductServicer, UnitGroupServicer
from crm_catalog.service_layer.dependencies import Dependencies

SERVICE_NAMES = (service_name_of(units_pb2, "UnitGroupService"),
                 service_name_of(products_pb2, "ProductService"),
                 service_name_of(price_lists_pb2, "PriceListService"),
                 service_name_of(discount_lists_pb2, "DiscountListService"),
                 service_name_of(pricing_pb2, "PricingService"))


def register(deps: Dependencies):
    def add_servicers(server) -> None:
        units_pb2_grpc.add_UnitGroupServiceServicer_to_server(UnitGroupServicer(deps), server)
        products_pb2_grpc.add_ProductServiceServicer_to_server(ProductServicer(deps), server)
        price_lists_pb2_grpc.add_PriceListServiceServicer_to_server(PriceListServicer(deps),
                                                                    server)
        discount_lists_pb2_grpc.add_DiscountListServiceServicer_to_server(
            DiscountListServicer(deps), server)
        pricing_pb2_grpc.add_PricingServiceServicer_to_server(PricingServicer(deps), server)
    return add_servicers
