"""Reminders of tasks on leads: the due time each task was reminded for, and an index of tasks
by due time for the reminder timer.

Revision ID: 0006_lead_task_reminders
Revises: 0005_duplicate_keys_every_script
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0006_lead_task_reminders"
down_revision = "0005_duplicate_keys_every_script"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lead_interactions", sa.Column("reminded_for", UtcDateTime(), nullable=True))
    op.create_index("ix_lead_interactions_kind_due", "lead_interactions", ["kind", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_interactions_kind_due", table_name="lead_interactions")
    with op.batch_alter_table("lead_interactions") as batch:
        batch.drop_column("reminded_for")
