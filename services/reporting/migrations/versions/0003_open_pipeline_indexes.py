"""Indexes for the dashboard's open-pipeline reads computed in the database
(adapters/repositories.py): the oldest open deals (ORDER BY created_at, deal_id LIMIT n walks
(status, created_at, deal_id) and stops after n matches) and the open deals whose estimated close
date falls in the period (a range on (status, estimated_close_date)).

Revision ID: 0003_open_pipeline_indexes
Revises: 0002_marketing_facts
"""

from alembic import op

revision = "0003_open_pipeline_indexes"
down_revision = "0002_marketing_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deal_facts_status_created", "deal_facts", ["status", "created_at", "deal_id"]
    )
    op.create_index(
        "ix_deal_facts_status_estimated", "deal_facts", ["status", "estimated_close_date"]
    )


def downgrade() -> None:
    op.drop_index("ix_deal_facts_status_estimated", "deal_facts")
    op.drop_index("ix_deal_facts_status_created", "deal_facts")
