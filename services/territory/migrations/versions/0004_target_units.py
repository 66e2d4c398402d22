"""Targets in units of a product or product group, beside the amount and the deal count: a JSON
list per target row (NULL = none).

Revision ID: 0004_target_units
Revises: 0003_outbox_held
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_target_units"
down_revision = "0003_outbox_held"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("units", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("units")
