"""Bounced customer e-mails: the Message-ID each e-mail delivery is sent with (a bounce names
the delivery by it; filled in for the e-mails sent before) and the addresses that bounced hard.

Revision ID: 0012_email_bounces
Revises: 0011_duplicate_keys
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0012_email_bounces"
down_revision = "0011_duplicate_keys"
branch_labels = None
depends_on = None


def _message_id(key: str) -> str:
    # crm_deals.domain.deliveries.message_id_of as it is at this revision.
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@crm-deals>"


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("message_id", sa.String(100), nullable=True))
    deliveries = sa.table(
        "deliveries",
        sa.column("idempotency_key", sa.String),
        sa.column("kind", sa.String),
        sa.column("message_id", sa.String),
    )
    bind = op.get_bind()
    keys = bind.execute(
        sa.select(deliveries.c.idempotency_key).where(deliveries.c.kind == "customer_email")
    ).scalars()
    for key in list(keys):
        bind.execute(
            deliveries.update()
            .where(deliveries.c.idempotency_key == key)
            .values(message_id=_message_id(key))
        )
    op.create_index("ix_deliveries_message_id", "deliveries", ["message_id"])
    op.create_table(
        "bounced_addresses",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(400), nullable=False),
        sa.Column("bounced_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bounced_addresses")
    op.drop_index("ix_deliveries_message_id", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("message_id")
