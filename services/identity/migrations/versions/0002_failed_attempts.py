"""Failed attempts by credential, account and client address (replaces login_attempts, which
counted per e-mail only and so let anyone lock an account out).

Revision ID: 0002_failed_attempts
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0002_failed_attempts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("credential", sa.String(20), nullable=False),
        sa.Column("account_key", sa.String(254), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_failed_attempts_account_time", "failed_attempts",
                    ["credential", "account_key", "attempted_at"])
    op.create_index("ix_failed_attempts_time", "failed_attempts", ["attempted_at"])
    # Per-e-mail failures carry no address: they cannot be counted under the new rules, and
    # they expire within 30 minutes anyway.
    op.drop_table("login_attempts")


def downgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_login_attempts_email_time", "login_attempts",
                    ["email_key", "attempted_at"])
    op.drop_table("failed_attempts")
