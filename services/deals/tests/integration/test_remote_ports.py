"""The Pricing and HandoverStrategy adapters against stand-in catalog and territory gRPC servers
on 127.0.0.1: request mapping, exact money, line errors, unavailability, and the handover's
fallback for deals territory cannot place."""

from __future__ import annotations

import datetime as dt
from concurrent import futures
from decimal import Decimal
from types import SimpleNamespace

import grpc
import pytest

from crm.catalog.v1 import pricing_pb2, pricing_pb2_grpc
from crm.common.v1 import money_pb2
from crm.territory.v1 import routing_pb2, routing_pb2_grpc
from crm_chassis.errors import InvalidArgument, Unavailable, ValidationErrors
from crm_chassis.grpc.client import StaticTokenProvider, make_channel
from crm_deals.adapters.catalog_client import CatalogPricing
from crm_deals.adapters.territory_client import TerritoryHandover
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer.ports import PricingContext

pytestmark = pytest.mark.integration
CONTEXT = PricingContext(
    currency="EUR", sales_line_id="line-1", account_id="acc-1", pricing_date=dt.date(2026, 3, 2)
)


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


class Catalog(pricing_pb2_grpc.PricingServiceServicer):
    def __init__(self):
        self.requests, self.metadata, self.answer, self.status = [], [], None, None

    def PriceQuote(self, request, context):
        self.requests.append(request)
        self.metadata.append(dict(context.invocation_metadata()))
        if self.status:
            context.abort(self.status, "price list pl-9 not found")
        return self.answer


class Territory(routing_pb2_grpc.RoutingServiceServicer):
    def __init__(self):
        self.requests, self.choices = [], {}

    def ChooseOwners(self, request, context):
        self.requests.append(request)
        return routing_pb2.ChooseOwnersResponse(
            owners=[
                routing_pb2.SubjectOwner(
                    subject_id=s,
                    choice=routing_pb2.OwnerChoice(owner_user_id=self.choices.get(s, "")),
                )
                for s in request.subject_ids
            ]
        )


@pytest.fixture
def servers():
    catalog, territory = Catalog(), Territory()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pricing_pb2_grpc.add_PricingServiceServicer_to_server(catalog, server)
    routing_pb2_grpc.add_RoutingServiceServicer_to_server(territory, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = make_channel(f"127.0.0.1:{port}", StaticTokenProvider("service-token"))
    yield SimpleNamespace(catalog=catalog, territory=territory, channel=channel)
    channel.close()
    server.stop(0)


def priced_answer() -> pricing_pb2.PriceQuoteResponse:
    return pricing_pb2.PriceQuoteResponse(
        complete=True,
        currency="EUR",
        lines=[
            pricing_pb2.QuoteLineResult(
                index=0,
                product_id="p-1",
                product_name="Widget",
                quantity="3",
                unit="pcs",
                unit_price=eur("19.99"),
                discount=eur("1.50"),
                extended_amount=eur("58.47"),
                price_list_id="pl-1",
            )
        ],
        totals=pricing_pb2.QuoteTotals(net_amount=eur("58.47")),
    )


def test_pricing_maps_catalogs_exact_figures_and_sends_the_service_token(servers):
    servers.catalog.answer = priced_answer()
    priced = CatalogPricing(servers.channel, 5).price(
        [LineRequest("p-1", Decimal("3"), "pcs")], CONTEXT
    )
    [line] = priced.lines
    assert (line.product_id, line.description, line.quantity, line.unit) == (
        "p-1",
        "Widget",
        Decimal("3"),
        "pcs",
    )
    assert (line.unit_price, line.discount, line.line_total) == (
        Money(Decimal("19.99"), "EUR"),
        Money(Decimal("1.50"), "EUR"),
        Money(Decimal("58.47"), "EUR"),
    )
    assert priced.total == Money(Decimal("58.47"), "EUR") and priced.price_list_id == "pl-1"
    [request] = servers.catalog.requests
    assert request.lines[0].quantity == "3" and request.context.pricing_date == "2026-03-02"
    assert request.lines[0].existing_line is False
    assert (request.context.currency, request.context.account_id) == ("EUR", "acc-1")
    assert servers.catalog.metadata[0]["authorization"] == "Bearer service-token"


def test_quantities_are_sent_as_plain_decimals_and_existing_lines_flagged(servers):
    servers.catalog.answer = priced_answer()
    CatalogPricing(servers.channel, 5).price(
        [LineRequest("p-1", Decimal("1E+1"), "pcs", existing=True)], CONTEXT
    )
    [request] = servers.catalog.requests
    assert request.lines[0].quantity == "10" and request.lines[0].existing_line is True


def test_line_errors_name_the_lines_and_inexact_money_is_catalogs_fault(servers):
    pricing = CatalogPricing(servers.channel, 5)
    servers.catalog.answer = pricing_pb2.PriceQuoteResponse(
        lines=[
            pricing_pb2.QuoteLineResult(
                index=1,
                error=pricing_pb2.LineError(
                    code=pricing_pb2.LINE_ERROR_CODE_NO_PRICE,
                    message="no price for p-2 in EUR",
                    field="product_id",
                ),
            )
        ]
    )
    with pytest.raises(ValidationErrors) as refused:
        pricing.price([LineRequest("p-1", Decimal("1")), LineRequest("p-2", Decimal("1"))], CONTEXT)
    assert "lines[1].product_id" in str(refused.value.details or refused.value)
    answer = priced_answer()
    answer.lines[0].extended_amount.amount = "58.471"  # more digits than EUR has
    servers.catalog.answer = answer
    with pytest.raises(Unavailable, match="not an exact amount"):
        pricing.price([LineRequest("p-1", Decimal("3"))], CONTEXT)


def test_catalog_refusals_and_outages_are_mapped(servers):
    pricing = CatalogPricing(servers.channel, 5)
    servers.catalog.status = grpc.StatusCode.NOT_FOUND
    with pytest.raises(InvalidArgument, match="price list pl-9 not found"):
        pricing.price([LineRequest("p-1", Decimal("1"))], CONTEXT)
    down = make_channel("127.0.0.1:9", StaticTokenProvider("t"))  # nothing listens there
    try:
        with pytest.raises(Unavailable, match="catalog's pricing is unavailable"):
            CatalogPricing(down, 1).price([LineRequest("p-1", Decimal("1"))], CONTEXT)
    finally:
        down.close()


def test_handover_takes_territorys_choices_and_places_the_rest_least_loaded(servers):
    deals = [SimpleNamespace(id=f"d{i}", estimated_revenue=None) for i in range(3)]
    servers.territory.choices = {"deal:d0": "bob", "deal:d1": "gone-user"}
    plan = TerritoryHandover(servers.channel, 5).assign(
        "team-a", deals, ["bob", "sam"], {"bob": 4, "sam": 0}
    )
    # d1's choice is not a remaining member and d2 got none: both go to the least loaded.
    assert plan == {"d0": "bob", "d1": "sam", "d2": "sam"}
    [request] = servers.territory.requests
    assert (request.team_id, list(request.subject_ids)) == (
        "team-a",
        ["deal:d0", "deal:d1", "deal:d2"],
    )
