"""Personal data: erasure requests (the audit record) and contacts' consent records.

Revision ID: 0009_privacy
Revises: 0008_import_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0009_privacy"
down_revision = "0008_import_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_privacy_requests_requested_at", "privacy_requests", ["requested_at"])
    op.create_table(
        "consents",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_consents_contact", "consents", ["contact_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_consents_contact", table_name="consents")
    op.drop_table("consents")
    op.drop_index("ix_privacy_requests_requested_at", table_name="privacy_requests")
    op.drop_table("privacy_requests")
