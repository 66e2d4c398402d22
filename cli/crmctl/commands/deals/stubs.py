"""deals' default address (the port `make run` gives it) and its gRPC stubs on the session's
channel."""

from __future__ import annotations

from crm.deals.v1 import (
    account_profiles_pb2_grpc,
    accounts_pb2_grpc,
    activities_pb2_grpc,
    billing_pb2_grpc,
    contracts_pb2_grpc,
    customer_emails_pb2_grpc,
    deals_pb2_grpc,
    exports_pb2_grpc,
    migration_pb2_grpc,
    notifications_pb2_grpc,
    payments_pb2_grpc,
    pipelines_pb2_grpc,
    snapshots_pb2_grpc,
    tasks_pb2_grpc,
)
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("deals", "127.0.0.1:50055")


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("deals")
        self.accounts = accounts_pb2_grpc.AccountServiceStub(channel)
        self.contacts = accounts_pb2_grpc.ContactServiceStub(channel)
        self.deals = deals_pb2_grpc.DealServiceStub(channel)
        self.activities = activities_pb2_grpc.ActivityServiceStub(channel)
        self.quotes = billing_pb2_grpc.QuoteServiceStub(channel)
        self.orders = billing_pb2_grpc.OrderServiceStub(channel)
        self.invoices = billing_pb2_grpc.InvoiceServiceStub(channel)
        self.pipelines = pipelines_pb2_grpc.PipelineServiceStub(channel)
        self.automations = pipelines_pb2_grpc.AutomationServiceStub(channel)
        self.exports = exports_pb2_grpc.ExportServiceStub(channel)
        self.migration = migration_pb2_grpc.MigrationServiceStub(channel)
        self.notifications = notifications_pb2_grpc.NotificationServiceStub(channel)
        self.tasks = tasks_pb2_grpc.TaskServiceStub(channel)
        self.customer_emails = customer_emails_pb2_grpc.CustomerEmailServiceStub(channel)
        # line workflows, invoicing beside orders, account profiles
        self.contracts = contracts_pb2_grpc.ContractServiceStub(channel)
        self.proformas = contracts_pb2_grpc.ProFormaServiceStub(channel)
        self.invoicing = payments_pb2_grpc.InvoicingServiceStub(channel)
        self.account_profiles = account_profiles_pb2_grpc.AccountProfileServiceStub(channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(channel)
