"""catalog's default address (the port `make run` gives it) and its gRPC stubs on the
session's channel."""

from __future__ import annotations

from crm.catalog.v1 import (
    discount_lists_pb2_grpc,
    exchange_rates_pb2_grpc,
    price_lists_pb2_grpc,
    pricing_pb2_grpc,
    products_pb2_grpc,
    snapshots_pb2_grpc,
    units_pb2_grpc,
)
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("catalog", "127.0.0.1:50053")


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("catalog")
        self.units = units_pb2_grpc.UnitGroupServiceStub(channel)
        self.products = products_pb2_grpc.ProductServiceStub(channel)
        self.price_lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
        self.discount_lists = discount_lists_pb2_grpc.DiscountListServiceStub(channel)
        self.pricing = pricing_pb2_grpc.PricingServiceStub(channel)
        self.rates = exchange_rates_pb2_grpc.ExchangeRateServiceStub(channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(channel)
