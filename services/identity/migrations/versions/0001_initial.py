"""identity's first schema: users (+ departments, roles), refresh tokens, login attempts,
service accounts, signing keys, and the chassis outbox/inbox.

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import INBOX, OUTBOX, create_messaging_tables

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("tokens_valid_after", UtcDateTime(), nullable=False),
    )
    for table, column in (("user_departments", "department"), ("user_roles", "role")):
        op.create_table(
            table,
            sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column(column, sa.String(40), primary_key=True),
        )
        op.create_index(f"ix_{table}_{column}", table, [column])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("family_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("family_expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime()),
        sa.Column("revoked_at", UtcDateTime()),
    )
    for column in ("family_id", "user_id", "family_expires_at"):
        op.create_index(f"ix_refresh_tokens_{column}", "refresh_tokens", [column])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_login_attempts_email_time", "login_attempts",
                    ["email_key", "attempted_at"])
    op.create_table(
        "service_accounts",
        sa.Column("client_id", sa.String(120), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("algorithm", sa.String(20), nullable=False),
        sa.Column("private_key_pem", sa.Text, nullable=False),
        sa.Column("public_key_pem", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("retired_at", UtcDateTime()),
        sa.Column("is_active", sa.Boolean, unique=True),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    for table in (INBOX, OUTBOX, "signing_keys", "service_accounts", "login_attempts",
                  "refresh_tokens", "user_roles", "user_departments", "users"):
        op.drop_table(table)
