"""The marketing and customer KPIs' read models (migration 0002_marketing_facts): one row per
lead, campaign, account and won deal, each derived from the aggregate's stored events
(domain/marketing/derive.py). Amounts are exact decimal text: they are summed in Python per
currency (domain/figures.py), never by the database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from crm_chassis.db import UtcDateTime
from crm_reporting.adapters.orm import metadata

marketing_leads = Table(
    "marketing_leads",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("team_id", String(64), nullable=False),
    Column("sales_line_id", String(64), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("routed_at", UtcDateTime()),
    Column("first_contact_at", UtcDateTime()),
    Column("opportunity_id", String(64), nullable=False),
    Index("ix_marketing_leads_created", "created_at"),
)

marketing_campaigns = Table(
    "marketing_campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("starts_on", String(10), nullable=False),
    Column("ends_on", String(10)),
    Column("cost", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
)

marketing_accounts = Table(
    "marketing_accounts",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("team_id", String(64), nullable=False),
    Column("customer_since", UtcDateTime()),
    Column("churned_at", UtcDateTime()),
    Index("ix_marketing_accounts_team", "team_id"),
)

marketing_won_deals = Table(
    "marketing_won_deals",
    metadata,
    Column("deal_id", String(64), primary_key=True),
    Column("team_id", String(64), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("sales_line_id", String(64), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("originating_lead_id", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("revenue", String(40), nullable=False),
    Column("won_at", UtcDateTime(), nullable=False),
    Column("lines", Text, nullable=False),  # JSON [[product id, amount text], ...]
    Column("version", BigInteger, nullable=False),
    Index("ix_marketing_won_deals_won", "won_at"),
)

MARKETING_TABLES = (marketing_leads, marketing_campaigns, marketing_accounts, marketing_won_deals)
