"""MarketingReportsService servicer and its mapping: request in (the sales reports' scope and
period parsing, grpc_mapping), use case, response out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.common.v1 import money_pb2
from crm.reporting.v1 import marketing_pb2 as pb
from crm.reporting.v1 import marketing_pb2_grpc
from crm_reporting.adapters import grpc_mapping as m
from crm_reporting.domain.figures import money, one_decimal
from crm_reporting.domain.marketing.campaigns import CampaignRow
from crm_reporting.domain.marketing.customers import RevenueRow
from crm_reporting.domain.marketing.sources import SourceRow
from crm_reporting.service_layer import marketing
from crm_reporting.service_layer.dependencies import Dependencies


def _money(amount: Decimal, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount=f"{money(amount, currency):f}", currency=currency)


def _one(value: Decimal | None) -> str:
    return "" if value is None else f"{one_decimal(value):f}"


def source_row(r: SourceRow) -> pb.LeadSourceRow:
    return pb.LeadSourceRow(
        channel=r.channel,
        campaign_id=r.campaign_id,
        leads=r.leads,
        routed=r.routed,
        median_hours_to_route=_one(r.median_hours_to_route),
        contacted=r.contacted,
        median_hours_to_first_contact=_one(r.median_hours_to_first_contact),
        converted=r.converted,
        won=r.won,
        lead_to_won_percent=_one(r.lead_to_won_percent),
    )


def campaign_row(r: CampaignRow) -> pb.CampaignRoiRow:
    c = r.campaign
    return pb.CampaignRoiRow(
        campaign_id=c.id,
        name=c.name,
        channel=c.channel,
        cost=_money(c.cost, c.currency),
        won_revenue=_money(r.won_revenue, c.currency),
        won_deals=r.won_deals,
        roi_percent=_one(r.roi_percent),
        other_currencies=[_money(amount, currency) for currency, amount in r.other_currencies],
    )


def revenue_row(r: RevenueRow) -> pb.RevenueRow:
    return pb.RevenueRow(key=r.key, revenue=_money(r.revenue, r.currency), deals=r.deals)


class MarketingReportsServicer(marketing_pb2_grpc.MarketingReportsServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def LeadSources(self, request: pb.LeadSourcesRequest, context: Any) -> pb.LeadSourcesResponse:
        period = m.period(request)
        rows = marketing.lead_sources_report(
            self.deps, m.caller(), scope=m.scope(request), period=period
        )
        return pb.LeadSourcesResponse(
            period=m.resolved(period), sources=[source_row(r) for r in rows]
        )

    def CampaignRoi(self, request: pb.CampaignRoiRequest, context: Any) -> pb.CampaignRoiResponse:
        period = m.period(request)
        rows = marketing.campaign_roi_report(
            self.deps, m.caller(), scope=m.scope(request), period=period
        )
        return pb.CampaignRoiResponse(
            period=m.resolved(period), campaigns=[campaign_row(r) for r in rows]
        )

    def Customers(self, request: pb.CustomersRequest, context: Any) -> pb.CustomersResponse:
        period = m.period(request)
        report = marketing.customers_report(
            self.deps, m.caller(), scope=m.scope(request), period=period
        )
        figures = report.churn
        return pb.CustomersResponse(
            period=m.resolved(period),
            accounts_won=figures.accounts_won,
            customers_at_start=figures.customers_at_start,
            customers_lost=figures.customers_lost,
            churn_percent="" if figures.churn_percent is None else f"{figures.churn_percent:f}",
            by_product=[revenue_row(r) for r in report.by_product],
            by_region=[revenue_row(r) for r in report.by_region],
        )
