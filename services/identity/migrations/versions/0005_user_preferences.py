"""Each person's own preferences (language, time zone), so that every browser and device they
sign in from shows the CRM the way they chose (domain/preferences.py).

Revision ID: 0005_user_preferences
Revises: 0004_outbox_held
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0005_user_preferences"
down_revision = "0004_outbox_held"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_preferences")
