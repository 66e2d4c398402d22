"""A territory may name the deals pipeline its deals go into ("" = the line's pipeline).

Revision ID: 0005_territory_pipeline
Revises: 0004_target_units
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_territory_pipeline"
down_revision = "0004_target_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        batch.drop_column("pipeline_id")
