"""The marketing and customer report use cases: ``report(deps, caller, *, scope, period)``,
each reading one unit of work (no writes). Access is the sales reports' (service_layer/access):
the teams the caller may report on for the scope; a person scope keeps that person's won deals
(leads and accounts have no owner figure here: the person's teams are counted)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.caller import Caller
from crm_reporting.domain.marketing.campaigns import CampaignRow, campaign_roi
from crm_reporting.domain.marketing.customers import (
    Churn,
    RevenueRow,
    churn,
    revenue_by_product,
    revenue_by_region,
)
from crm_reporting.domain.marketing.facts import WonDeal
from crm_reporting.domain.marketing.sources import SourceRow, lead_sources
from crm_reporting.domain.periods import Period
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer.access import deal_filter
from crm_reporting.service_layer.dependencies import Dependencies
from crm_reporting.service_layer.ports import DealFilter
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork


@dataclass(frozen=True)
class CustomersReport:
    churn: Churn
    by_product: list[RevenueRow]
    by_region: list[RevenueRow]


def _won(uow: ReportingUnitOfWork, f: DealFilter, period: Period) -> list[WonDeal]:
    won = uow.marketing.won_between(f.team_ids, period.start, period.end)
    return [
        d
        for d in won
        if (not f.owner_user_id or d.owner_user_id == f.owner_user_id)
        and (not f.sales_line_id or d.sales_line_id == f.sales_line_id)
    ]


def lead_sources_report(
    deps: Dependencies, caller: Caller | None, *, scope: Scope, period: Period
) -> list[SourceRow]:
    with deps.uow() as uow:
        f = deal_filter(caller, scope, deps.scopes, uow.reports)
        # Unrouted leads belong to no team: only the whole company sees them.
        teams = None if scope.kind is ScopeKind.COMPANY else f.team_ids
        leads = uow.marketing.leads_created(teams, period.start, period.end)
        if f.sales_line_id:
            leads = [lead for lead in leads if lead.sales_line_id == f.sales_line_id]
        converted = frozenset(lead.opportunity_id for lead in leads if lead.opportunity_id)
        return lead_sources(leads, uow.marketing.won_deal_ids(converted))


def campaign_roi_report(
    deps: Dependencies, caller: Caller | None, *, scope: Scope, period: Period
) -> list[CampaignRow]:
    with deps.uow() as uow:
        f = deal_filter(caller, scope, deps.scopes, uow.reports)
        won = _won(uow, f, period)
        return campaign_roi(uow.marketing.campaigns(), won, period.first_day, period.last_day)


def customers_report(
    deps: Dependencies, caller: Caller | None, *, scope: Scope, period: Period
) -> CustomersReport:
    with deps.uow() as uow:
        f = deal_filter(caller, scope, deps.scopes, uow.reports)
        won = _won(uow, f, period)
        figures = churn(uow.marketing.accounts(f.team_ids), period.start, period.end)
        return CustomersReport(
            figures, revenue_by_product(won), revenue_by_region(won, uow.reports.org().team_units)
        )
