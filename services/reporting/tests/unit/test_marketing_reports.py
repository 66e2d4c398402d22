"""The marketing and customer report use cases and MarketingReportsService: scoped like the
sales reports (territory's view_reports right), figures as the hand-computed KPI tests define
them, and a scope the caller may not see answers like an unknown one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import grpc
import pytest
from reporting_events import org
from reporting_fakes import World
from reporting_grpc_kit import Api

import crm_reporting.entrypoints.api
from crm.reporting.v1 import marketing_pb2 as mpb
from crm.reporting.v1 import marketing_pb2_grpc
from crm.reporting.v1 import reports_pb2 as pb
from crm_chassis.caller import Caller
from crm_chassis.errors import NotFound, PermissionDenied
from crm_reporting.domain.marketing.facts import (
    AccountFact,
    CampaignFact,
    LeadFact,
    ProductLine,
    WonDeal,
)
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.entrypoints.settings import load
from crm_reporting.service_layer import marketing
from crm_reporting.service_layer.consumption import record_event

MARCH = resolve(PeriodKind.MONTH, date="2026-03-10")
T = dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
SAM, ALICE, SID, CEO = (Caller(u) for u in ("sam", "alice", "sid", "ceo"))
ROOT = Caller("root", roles=frozenset({"admin"}))


@pytest.fixture
def world():
    """Overrides the sales World: the same one with the marketing facts below."""
    world = World()
    for event in org():
        record_event(world.deps, Caller.system("reporting-worker"), event=event)
    m = world.state.marketing
    for lead in (
        LeadFact("l1", "t1", "line-1", "web_form", "", T, T + 2 * H, T + 5 * H, "d1"),
        LeadFact("l2", "t1", "line-1", "web_form", "", T, T + 4 * H),
        LeadFact("l3", "t3", "line-1", "event", "fair", T),
        LeadFact("l4", "", "line-1", "event", "fair", T),  # unrouted: the company's only
    ):
        m.leads[lead.id] = lead
    m.campaigns["fair"] = CampaignFact(
        "fair", "Fair", "event", dt.date(2026, 3, 1), None, Decimal("1000"), "EUR"
    )
    won = [
        WonDeal(
            "d1",
            "t1",
            "a1",
            "fair",
            "l1",
            "EUR",
            Decimal("1500.00"),
            T,
            (ProductLine("p-1", Decimal("1500.00")),),
            owner_user_id="alice",
        ),
        WonDeal("d2", "t3", "a2", "fair", "", "EUR", Decimal("300.00"), T),
    ]
    m.won.update({d.id: d for d in won})
    for account in (
        AccountFact("a1", "t1", T, None),
        AccountFact("a9", "t1", T - 60 * 24 * H, T),
        AccountFact("a2", "t3", T, None),
    ):
        m.accounts[account.id] = account
    return world


def team(team_id):
    return Scope.of(ScopeKind.TEAM, team_id, "")


def test_lead_sources_of_a_team_and_of_the_company(world):
    rows = marketing.lead_sources_report(world.deps, SAM, scope=team("t1"), period=MARCH)
    assert [(r.channel, r.leads, r.routed, r.won) for r in rows] == [("web_form", 2, 2, 1)]
    assert rows[0].median_hours_to_route == Decimal("3.0")  # (2 + 4) / 2
    company = marketing.lead_sources_report(
        world.deps, CEO, scope=Scope.of(ScopeKind.COMPANY, "", ""), period=MARCH
    )
    assert {(r.channel, r.leads) for r in company} == {("web_form", 2), ("event", 2)}


def test_campaign_roi_counts_the_scopes_won_revenue_against_the_whole_cost(world):
    (t1,) = marketing.campaign_roi_report(world.deps, SAM, scope=team("t1"), period=MARCH)
    assert (t1.won_revenue, t1.roi_percent) == (Decimal("1500.00"), Decimal("50.0"))
    (company,) = marketing.campaign_roi_report(
        world.deps, CEO, scope=Scope.of(ScopeKind.COMPANY, "", ""), period=MARCH
    )
    assert (company.won_revenue, company.roi_percent) == (Decimal("1800.00"), Decimal("80.0"))


def test_customers_of_a_unit_with_revenue_by_product_and_region(world):
    report = marketing.customers_report(
        world.deps, CEO, scope=Scope.of(ScopeKind.UNIT, "hq", ""), period=MARCH
    )
    # a1, a2 won in March; a9 a customer since January, churned in March: 1 of 1.
    assert (report.churn.accounts_won, report.churn.customers_at_start) == (2, 1)
    assert report.churn.churn_percent == Decimal("100.00")
    assert [(r.key, r.revenue) for r in report.by_product] == [
        ("p-1", Decimal("1500.00")),
        ("", Decimal("300.00")),
    ]
    assert [(r.key, r.revenue) for r in report.by_region] == [
        ("north", Decimal("1500.00")),
        ("south", Decimal("300.00")),
    ]


def test_visibility_follows_the_sales_reports(world):
    with pytest.raises(PermissionDenied, match="view the reports of no team"):
        marketing.campaign_roi_report(world.deps, ALICE, scope=team("t1"), period=MARCH)
    with pytest.raises(PermissionDenied):
        marketing.customers_report(world.deps, ROOT, scope=team("t1"), period=MARCH)
    with pytest.raises(NotFound, match="team 't1' not found"):
        marketing.lead_sources_report(world.deps, SID, scope=team("t1"), period=MARCH)
    # A person's own figures: alice's won deal only.
    (own,) = marketing.campaign_roi_report(
        world.deps, SAM, scope=Scope.of(ScopeKind.PERSON, "alice", ""), period=MARCH
    )
    assert own.won_deals == 1


@pytest.fixture
def marketing_api(world, keys):
    settings = load(env={}, grpc_port=0, grpc_max_workers=2)
    running = crm_reporting.entrypoints.api.start(
        settings, world.deps, verifier=keys.verifier(), access_log=False
    )
    channel = grpc.insecure_channel(running.address)
    try:
        yield Api(channel, keys), marketing_pb2_grpc.MarketingReportsServiceStub(channel)
    finally:
        channel.close()
        running.stop(0)


MARCH_PB = pb.Period(kind=pb.PERIOD_KIND_MONTH, date="2026-03-10")
T1 = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id="t1")


def test_over_grpc(marketing_api):
    api, stub = marketing_api
    sources = api.call(stub.LeadSources, mpb.LeadSourcesRequest(scope=T1, period=MARCH_PB), "sam")
    assert [
        (s.channel, s.leads, s.median_hours_to_route, s.lead_to_won_percent)
        for s in sources.sources
    ] == [("web_form", 2, "3.0", "50.0")]
    roi = api.call(stub.CampaignRoi, mpb.CampaignRoiRequest(scope=T1, period=MARCH_PB), "sam")
    (fair,) = roi.campaigns
    assert (fair.cost.amount, fair.won_revenue.amount, fair.roi_percent) == (
        "1000.00",
        "1500.00",
        "50.0",
    )
    customers = api.call(stub.Customers, mpb.CustomersRequest(scope=T1, period=MARCH_PB), "sam")
    assert (customers.accounts_won, customers.customers_at_start, customers.churn_percent) == (
        1,
        1,
        "100.00",
    )
    assert [(r.key, r.revenue.amount) for r in customers.by_region] == [("north", "1500.00")]
    assert customers.period.label == "2026-03"
    refused = api.refused(
        grpc.StatusCode.NOT_FOUND,
        stub.Customers,
        mpb.CustomersRequest(scope=T1, period=MARCH_PB),
        "sid",
    )
    assert "team 't1' not found" in refused
