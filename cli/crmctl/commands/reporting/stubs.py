"""reporting's default address (the port `make run` gives it) and its gRPC stubs on the
session's channel."""

from __future__ import annotations

from crm.reporting.v1 import marketing_pb2_grpc, reports_pb2_grpc
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("reporting", "127.0.0.1:50056")


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("reporting")
        self.sales = reports_pb2_grpc.SalesReportsServiceStub(channel)
        self.marketing = marketing_pb2_grpc.MarketingReportsServiceStub(channel)
