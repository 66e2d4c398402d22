"""The outbox index of rows that hold back their aggregate (a row whose publish failed, or that
was quarantined): the relay checks every batch against it (crm_chassis.outbox.tables).

Revision ID: 0003_outbox_held
Revises: 0002_price_list_item_skus
"""
from __future__ import annotations

from alembic import op

from crm_chassis.outbox.tables import create_outbox_held_index, drop_outbox_held_index

revision = "0003_outbox_held"
down_revision = "0002_price_list_item_skus"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_held_index(op)


def downgrade() -> None:
    drop_outbox_held_index(op)
