"""Migration import keys: (kind, external id) -> the record imported for it.

Revision ID: 0008_import_keys
Revises: 0007_line_workflows
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0008_import_keys"
down_revision = "0007_line_workflows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_keys",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("external_id", sa.String(200), primary_key=True),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_keys")
