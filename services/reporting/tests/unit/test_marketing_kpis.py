"""The marketing and customer KPIs on hand-computed fixtures (docs/services/reporting.md,
"Marketing and customer figures"): every expected number below is worked out by hand in the
comment beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm_reporting.domain.marketing.campaigns import campaign_roi
from crm_reporting.domain.marketing.customers import churn, revenue_by_product, revenue_by_region
from crm_reporting.domain.marketing.facts import (
    AccountFact,
    CampaignFact,
    LeadFact,
    ProductLine,
    WonDeal,
)
from crm_reporting.domain.marketing.sources import lead_sources

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = Decimal


def lead(n, channel="web_form", campaign="", routed=None, contacted=None, deal=""):
    return LeadFact(
        id=f"l{n}",
        team_id="team-a",
        sales_line_id="line-1",
        channel=channel,
        campaign_id=campaign,
        created_at=T0,
        routed_at=T0 + routed * H if routed is not None else None,
        first_contact_at=T0 + contacted * H if contacted is not None else None,
        opportunity_id=deal,
    )


def test_lead_sources_by_channel_and_campaign():
    leads = [
        # web form, no campaign: routed after 1 h, 2 h and 6 h -> median 2.0 h; contacted after
        # 4 h and 10 h -> median (4 + 10) / 2 = 7.0 h; two converted, one of them won -> 1/4.
        lead(1, routed=1, contacted=4, deal="d1"),
        lead(2, routed=2, contacted=10, deal="d2"),
        lead(3, routed=6),
        lead(4),
        # event, campaign c1: one lead routed in 30 min, converted and won -> 100 %.
        lead(5, "event", "c1", routed=0.5, deal="d3"),
    ]
    rows = lead_sources(leads, won_deal_ids=frozenset({"d1", "d3"}))
    web, fair = rows
    assert (web.channel, web.campaign_id, web.leads, web.routed, web.contacted) == (
        "web_form",
        "",
        4,
        3,
        2,
    )
    assert (web.median_hours_to_route, web.median_hours_to_first_contact) == (D("2.0"), D("7.0"))
    assert (web.converted, web.won, web.lead_to_won_percent) == (2, 1, D("25.0"))
    assert (fair.channel, fair.campaign_id, fair.leads, fair.median_hours_to_route) == (
        "event",
        "c1",
        1,
        D("0.5"),
    )
    assert (fair.median_hours_to_first_contact, fair.lead_to_won_percent) == (None, D("100.0"))


def campaign(cid, cost, currency="EUR", starts=dt.date(2026, 3, 1), ends=None, name=None):
    return CampaignFact(cid, name or cid, "event", starts, ends, D(cost), currency)


def won(n, revenue, campaign_id="", currency="EUR", team="team-a", lines=()):
    return WonDeal(
        id=f"d{n}",
        team_id=team,
        account_id=f"a{n}",
        campaign_id=campaign_id,
        originating_lead_id="",
        currency=currency,
        revenue=D(revenue),
        won_at=T0,
        lines=tuple(lines),
    )


def test_campaign_roi_attributes_each_won_deal_whole_to_its_campaign():
    campaigns = [
        campaign("fair", "1000.00", name="Fair"),  # 1500 + 700 = 2200 EUR -> (2200-1000)/1000
        campaign("mail", "500.00", name="Mail"),  # 300 EUR -> (300-500)/500 = -40.0 %
        campaign("free", "0.00", name="Free"),  # no cost: no ROI
        campaign("old", "900.00", starts=dt.date(2025, 1, 1), ends=dt.date(2025, 2, 1)),
        campaign(
            "usd", "100.00", currency="USD", starts=dt.date(2025, 1, 1), ends=dt.date(2025, 1, 2)
        ),
    ]
    deals = [
        won(1, "1500.00", "fair"),
        won(2, "700.00", "fair"),
        won(3, "250.00", "fair", currency="USD"),  # not in the ROI: beside it
        won(4, "300.00", "mail"),
        won(5, "9999.00"),  # no campaign: attributed to none
        won(6, "120.00", "usd", currency="USD"),  # its run is over, but it earned: listed
    ]
    rows = campaign_roi(campaigns, deals, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    by_id = {r.campaign.id: r for r in rows}
    assert [r.campaign.id for r in rows] == ["fair", "usd", "mail", "free"]  # "old": not listed
    fair = by_id["fair"]
    assert (fair.won_revenue, fair.won_deals, fair.roi_percent) == (D("2200.00"), 3, D("120.0"))
    assert fair.other_currencies == [("USD", D("250.00"))]
    assert by_id["mail"].roi_percent == D("-40.0")  # (300 - 500) / 500
    assert by_id["usd"].roi_percent == D("20.0")  # (120 - 100) / 100
    assert (by_id["free"].roi_percent, by_id["free"].won_deals) == (None, 0)


START, END = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
BEFORE, DURING, AFTER = START - 30 * 24 * H, START + 10 * 24 * H, END + H


def test_churn_counts_customers_at_the_start_and_those_lost_in_the_period():
    accounts = [
        AccountFact("a1", "team-a", BEFORE, None),  # customer at start, kept
        AccountFact("a2", "team-a", BEFORE, DURING),  # customer at start, lost
        AccountFact("a3", "team-a", BEFORE, BEFORE + H),  # churned before: not at start
        AccountFact("a4", "team-a", BEFORE, AFTER),  # churned after: at start, kept
        AccountFact("a5", "team-a", DURING, DURING + H),  # new and lost in it: neither
        AccountFact("a6", "team-a", DURING, None),  # won in the period
        AccountFact("a7", "team-a", None, None),  # a prospect
    ]
    figures = churn(accounts, START, END)
    # at start: a1, a2, a4 = 3; lost: a2 = 1 -> 33.33 %; won in the period: a5, a6.
    assert (figures.customers_at_start, figures.customers_lost) == (3, 1)
    assert figures.churn_percent == D("33.33")
    assert figures.accounts_won == 2
    assert churn([], START, END).churn_percent is None


def test_revenue_by_product_and_by_region_per_currency():
    deals = [
        won(1, "1000.00", lines=[ProductLine("p-1", D("600.00")), ProductLine("p-2", D("400.00"))]),
        won(2, "300.00", lines=[ProductLine("p-1", D("300.00"))], team="team-b"),
        won(3, "50.00"),  # no lines: product ""
        won(4, "80.00", currency="USD", lines=[ProductLine("p-1", D("80.00"))], team="team-x"),
    ]
    products = [(r.key, r.currency, r.revenue, r.deals) for r in revenue_by_product(deals)]
    # p-1 in EUR: 600 + 300 = 900 over deals d1, d2; in USD: 80 (never added to the EUR total).
    assert products == [
        ("p-1", "EUR", D("900.00"), 2),
        ("p-2", "EUR", D("400.00"), 1),
        ("", "EUR", D("50.00"), 1),
        ("p-1", "USD", D("80.00"), 1),
    ]
    units = {"team-a": "unit-north", "team-b": "unit-south"}
    regions = [(r.key, r.currency, r.revenue, r.deals) for r in revenue_by_region(deals, units)]
    # north: d1 + d3 = 1050 EUR; south: d2 = 300 EUR; team-x unknown: "" 80 USD.
    assert regions == [
        ("unit-north", "EUR", D("1050.00"), 2),
        ("unit-south", "EUR", D("300.00"), 1),
        ("", "USD", D("80.00"), 1),
    ]
