"""Every deals servicer on one server: ``register(deps)`` for crm_chassis.grpc.serve and
start_server, and the full service names for health and reflection."""
from __future__ import annotations

from collections.abc import Callable

import grpc

from crm.deals.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    activities_pb2,
    activities_pb2_grpc,
    billing_pb2,
    billing_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
    pipelines_pb2,
    pipelines_pb2_grpc,
)
from crm_chassis.grpc import service_name_of
from crm_deals.adapters.grpc_accounts import AccountServicer, ContactServicer
from crm_deals.adapters.grpc_activities import ActivityServicer
from crm_deals.adapters.grpc_billing import InvoiceServicer, OrderServicer, QuoteServicer
from crm_deals.adapters.grpc_deals import DealServicer
from crm_deals.adapters.grpc_pipelines import AutomationServicer, PipelineServicer
from crm_deals.service_layer.dependencies import Dependencies

_SERVICERS = (
    (accounts_pb2, "AccountService", accounts_pb2_grpc, AccountServicer),
    (accounts_pb2, "ContactService", accounts_pb2_grpc, ContactServicer),
    (pipelines_pb2, "PipelineService", pipelines_pb2_grpc, PipelineServicer),
    (pipelines_pb2, "AutomationService", pipelines_pb2_grpc, AutomationServicer),
    (deals_pb2, "DealService", deals_pb2_grpc, DealServicer),
    (activities_pb2, "ActivityService", activities_pb2_grpc, ActivityServicer),
    (billing_pb2, "QuoteService", billing_pb2_grpc, QuoteServicer),
    (billing_pb2, "OrderService", billing_pb2_grpc, OrderServicer),
    (billing_pb2, "InvoiceService", billing_pb2_grpc, InvoiceServicer),
)

SERVICE_NAMES = tuple(service_name_of(module, name) for module, name, _, _ in _SERVICERS)


def register(deps: Dependencies) -> Callable[[grpc.Server], None]:
    """The ``register`` callback adding every deals servicer, all sharing ``deps``."""
    def add_all(server: grpc.Server) -> None:
        for _, name, grpc_module, servicer in _SERVICERS:
            getattr(grpc_module, f"add_{name}Servicer_to_server")(servicer(deps), server)
    return add_all
