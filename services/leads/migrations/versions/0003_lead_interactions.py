"""Sales interactions on leads (calls, e-mails, meetings, notes, tasks): crm_leads/domain/
interactions.py.

Revision ID: 0003_lead_interactions
Revises: 0002_outbox_held
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0003_lead_interactions"
down_revision = "0002_outbox_held"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_interactions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lead_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("logged_by", sa.String(64), nullable=False),
        sa.Column("owner_user_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime()),
        sa.Column("done_at", UtcDateTime()),
    )
    op.create_index(
        "ix_lead_interactions_lead_time", "lead_interactions", ["lead_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_lead_interactions_lead_time", table_name="lead_interactions")
    op.drop_table("lead_interactions")
