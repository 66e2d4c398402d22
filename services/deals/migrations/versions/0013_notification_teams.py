"""The team of a notification's record when it was written: a reminder of a task on a lead
(a record deals does not keep) is visible by it.

Revision ID: 0013_notification_teams
Revises: 0012_email_bounces
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_notification_teams"
down_revision = "0012_email_bounces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("team_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("team_id")
