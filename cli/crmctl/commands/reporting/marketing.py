"""``crmctl report sources|campaigns|churn``: the marketing and customer KPIs (reporting's
MarketingReportsService), added to the ``report`` group of ``report.py``."""

from __future__ import annotations

from crm.reporting.v1 import marketing_pb2
from crmctl.commands.reporting.arguments import report_options
from crmctl.commands.reporting.report import heading, printed_as_json, report
from crmctl.commands.reporting.rows import monies
from crmctl.commands.reporting.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.wire import money_text


@report.command("sources")
@report_options
@output_option
@pass_session
def sources(session, scope, period):
    """Leads by source channel and campaign: time to route and to first contact, lead → won."""
    response = session.call(
        Stubs(session).marketing.LeadSources,
        marketing_pb2.LeadSourcesRequest(scope=scope, period=period),
    )
    if printed_as_json(session, response):
        return
    rows = [
        {
            "channel": s.channel,
            "campaign": s.campaign_id,
            "leads": s.leads,
            "routed": s.routed,
            "to_route": s.median_hours_to_route,
            "contacted": s.contacted,
            "to_contact": s.median_hours_to_first_contact,
            "won": s.won,
            "to_won": f"{s.lead_to_won_percent}%" if s.lead_to_won_percent else "",
        }
        for s in response.sources
    ]
    heading(f"lead sources, {response.period.label}")
    print_rows(
        "table",
        rows,
        [
            ("channel", "channel"),
            ("campaign", "campaign"),
            ("leads", "leads"),
            ("routed", "routed"),
            ("to_route", "h to route"),
            ("contacted", "contacted"),
            ("to_contact", "h to contact"),
            ("won", "won"),
            ("to_won", "lead → won"),
        ],
        empty="no lead in this scope and period",
    )


@report.command("campaigns")
@report_options
@output_option
@pass_session
def campaigns(session, scope, period):
    """Campaign ROI = (won revenue attributed − cost) ÷ cost, per currency."""
    response = session.call(
        Stubs(session).marketing.CampaignRoi,
        marketing_pb2.CampaignRoiRequest(scope=scope, period=period),
    )
    if printed_as_json(session, response):
        return
    rows = [
        {
            "campaign": c.name or c.campaign_id,
            "channel": c.channel,
            "cost": money_text(c.cost),
            "won": money_text(c.won_revenue),
            "deals": c.won_deals,
            "roi": f"{c.roi_percent}%" if c.roi_percent else "",
            "other": monies(c.other_currencies),
        }
        for c in response.campaigns
    ]
    heading(f"campaign ROI, {response.period.label}")
    print_rows(
        "table",
        rows,
        [
            ("campaign", "campaign"),
            ("channel", "channel"),
            ("cost", "cost"),
            ("won", "won revenue"),
            ("deals", "won deals"),
            ("roi", "ROI"),
            ("other", "other currencies"),
        ],
        empty="no campaign in this period",
    )


@report.command("churn")
@report_options
@output_option
@pass_session
def churn(session, scope, period):
    """Accounts won, churn rate, revenue by product and by region."""
    response = session.call(
        Stubs(session).marketing.Customers,
        marketing_pb2.CustomersRequest(scope=scope, period=period),
    )
    if printed_as_json(session, response):
        return
    heading(
        f"{response.period.label}: {response.accounts_won} accounts won; churn "
        f"{response.customers_lost}/{response.customers_at_start} customers = "
        f"{response.churn_percent or '-'}%"
    )
    for title, revenue in (("by product", response.by_product), ("by region", response.by_region)):
        heading(f"won revenue {title}")
        print_rows(
            "table",
            [
                {"key": r.key or "-", "revenue": money_text(r.revenue), "deals": r.deals}
                for r in revenue
            ],
            [("key", title.split()[-1]), ("revenue", "revenue"), ("deals", "deals")],
            empty="no won revenue",
        )
