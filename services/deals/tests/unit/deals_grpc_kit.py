"""A real chassis gRPC server on 127.0.0.1 serving every deals service over the fake world
(deals_testkit.World), and clients that call it as the world's people with signed tokens.

The unit tests' conftest offers its fixtures ``api``, ``keys`` and ``deal`` (alice's open EUR
deal at the first stage, for an account of team A).
"""

from __future__ import annotations

import grpc
import pytest

import crm_deals.entrypoints.api
from crm.deals.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    activities_pb2_grpc,
    billing_pb2_grpc,
    customer_emails_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
    duplicates_pb2_grpc,
    exports_pb2_grpc,
    migration_pb2_grpc,
    notifications_pb2_grpc,
    payments_pb2_grpc,
    pipelines_pb2_grpc,
    tasks_pb2_grpc,
)
from crm_deals.entrypoints.settings import load
from crm_testkit.auth import TestKeys, TokenCaller

# The world's people as their tokens describe them (deals_testkit.World gives them roles).
TOKEN_CLAIMS = {"root": {"roles": ["admin"]}, "boss": {"departments": ["management"]}}
PEOPLE = ("alice", "bob", "sam", "mia", "tom", "max", "root", "boss")


class Api(TokenCaller):
    """Stubs of every deals service on one channel, and per-person call metadata."""

    def __init__(self, world, channel: grpc.Channel, keys: TestKeys):
        super().__init__(keys, TOKEN_CLAIMS, default_user="alice")
        self.world = world
        self.channel = channel
        self.accounts = accounts_pb2_grpc.AccountServiceStub(channel)
        self.contacts = accounts_pb2_grpc.ContactServiceStub(channel)
        self.pipelines = pipelines_pb2_grpc.PipelineServiceStub(channel)
        self.automations = pipelines_pb2_grpc.AutomationServiceStub(channel)
        self.deals = deals_pb2_grpc.DealServiceStub(channel)
        self.activities = activities_pb2_grpc.ActivityServiceStub(channel)
        self.quotes = billing_pb2_grpc.QuoteServiceStub(channel)
        self.orders = billing_pb2_grpc.OrderServiceStub(channel)
        self.invoices = billing_pb2_grpc.InvoiceServiceStub(channel)
        self.invoicing = payments_pb2_grpc.InvoicingServiceStub(channel)
        self.exports = exports_pb2_grpc.ExportServiceStub(channel)
        self.migration = migration_pb2_grpc.MigrationServiceStub(channel)
        self.notifications = notifications_pb2_grpc.NotificationServiceStub(channel)
        self.tasks = tasks_pb2_grpc.TaskServiceStub(channel)
        self.customer_emails = customer_emails_pb2_grpc.CustomerEmailServiceStub(channel)
        self.duplicates = duplicates_pb2_grpc.DuplicateServiceStub(channel)


@pytest.fixture(scope="module")
def keys() -> TestKeys:
    return TestKeys()


@pytest.fixture
def api(world, keys):
    settings = load(env={}, grpc_port=0, grpc_max_workers=2)
    running = crm_deals.entrypoints.api.start(
        settings, world.deps, verifier=keys.verifier(), access_log=False
    )
    channel = grpc.insecure_channel(running.address)
    try:
        yield Api(world, channel, keys)
    finally:
        channel.close()
        running.stop(0)


@pytest.fixture
def deal(api):
    account = api.call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Acme GmbH"),
    )
    return api.call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme rollout", account_id=account.id, sales_line_id="line-1", currency="EUR"
        ),
    )
