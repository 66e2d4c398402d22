"""Customer e-mails on a stage change: templates per pipeline stage and language, and an index
for a deal's e-mails among the deliveries.

Revision ID: 0006_customer_emails
Revises: 0005_tasks_notifications
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0006_customer_emails"
down_revision = "0005_tasks_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_email_templates",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("pipeline_id", sa.String(64), nullable=False),
        sa.Column("stage_key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_customer_email_templates_pipeline_id_stage_key",
        "customer_email_templates",
        ["pipeline_id", "stage_key"],
    )
    op.create_index("ix_deliveries_deal_kind", "deliveries", ["deal_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_deal_kind", table_name="deliveries")
    op.drop_index(
        "ix_customer_email_templates_pipeline_id_stage_key", table_name="customer_email_templates"
    )
    op.drop_table("customer_email_templates")
