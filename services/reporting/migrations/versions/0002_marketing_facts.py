"""The marketing and customer KPIs' read models: leads, campaigns, accounts and won deals
(adapters/marketing_orm.py), derived from the event store (a rebuild fills them again).

Revision ID: 0002_marketing_facts
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0002_marketing_facts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketing_leads",
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("routed_at", UtcDateTime()),
        sa.Column("first_contact_at", UtcDateTime()),
        sa.Column("opportunity_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_marketing_leads_created", "marketing_leads", ["created_at"])
    op.create_table(
        "marketing_campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("ends_on", sa.String(10)),
        sa.Column("cost", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    op.create_table(
        "marketing_accounts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("customer_since", UtcDateTime()),
        sa.Column("churned_at", UtcDateTime()),
    )
    op.create_index("ix_marketing_accounts_team", "marketing_accounts", ["team_id"])
    op.create_table(
        "marketing_won_deals",
        sa.Column("deal_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("owner_user_id", sa.String(64), nullable=False),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("originating_lead_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("revenue", sa.String(40), nullable=False),
        sa.Column("won_at", UtcDateTime(), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_marketing_won_deals_won", "marketing_won_deals", ["won_at"])


def downgrade() -> None:
    op.drop_index("ix_marketing_won_deals_won", "marketing_won_deals")
    op.drop_table("marketing_won_deals")
    op.drop_index("ix_marketing_accounts_team", "marketing_accounts")
    op.drop_table("marketing_accounts")
    op.drop_table("marketing_campaigns")
    op.drop_index("ix_marketing_leads_created", "marketing_leads")
    op.drop_table("marketing_leads")
