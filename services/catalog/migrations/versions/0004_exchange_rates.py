"""Dated exchange rates (crm_catalog.domain.exchange_rates).

Revision ID: 0004_exchange_rates
Revises: 0003_outbox_held
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0004_exchange_rates"
down_revision = "0003_outbox_held"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("base", sa.String(3), primary_key=True),
        sa.Column("quote", sa.String(3), primary_key=True),
        sa.Column("effective_on", sa.Date(), primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchange_rates")
