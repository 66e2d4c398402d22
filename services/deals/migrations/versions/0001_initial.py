"""deals' first schema: accounts, contacts, pipelines (+ versions), opportunities, activities,
automation rules, firings and deliveries, quotes, orders, invoices (+ the per-year number
counter), the append-only history, lead conversions, the user address copy, notifications, and
the chassis outbox/inbox and access-scope replica.

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import create_messaging_tables
from crm_chassis.scopes import create_scope_tables

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ID = 64
TABLES = ("accounts", "contacts", "pipelines", "pipeline_versions", "opportunities",
          "activities", "automation_rules", "automation_firings", "deliveries", "quotes",
          "orders", "invoices", "invoice_sequences", "history", "conversions", "user_addresses",
          "notifications", "outbox", "inbox", "access_scope", "access_version")


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(ID), nullable=nullable)


def _record(name: str, *columns, indexes=()) -> None:
    op.create_table(name,
                    sa.Column("id", sa.String(ID), primary_key=True),
                    *columns,
                    sa.Column("created_at", UtcDateTime(), nullable=False),
                    sa.Column("version", sa.BigInteger, nullable=False),
                    sa.Column("body", sa.Text, nullable=False))
    for cols in indexes:
        op.create_index(f"ix_{name}_{'_'.join(cols)}", name, list(cols))


def upgrade() -> None:
    _record("accounts", _id("team_id"), _id("owner_user_id"),
            sa.Column("relationship", sa.String(16), nullable=False),
            sa.Column("name", sa.String(300), nullable=False),
            sa.Column("last_won_at", UtcDateTime()),
            indexes=(("team_id", "created_at", "id"), ("relationship", "last_won_at")))
    _record("contacts", _id("team_id"), _id("account_id"),
            sa.Column("full_name", sa.String(300), nullable=False),
            indexes=(("team_id", "created_at", "id"), ("account_id",)))
    _record("pipelines", sa.Column("sales_line_id", sa.String(ID), nullable=False, unique=True))
    op.create_table("pipeline_versions",
                    sa.Column("pipeline_id", sa.String(ID), primary_key=True),
                    sa.Column("version", sa.BigInteger, primary_key=True),
                    sa.Column("body", sa.Text, nullable=False))
    _record("opportunities", _id("team_id"), _id("account_id"), _id("sales_line_id"),
            _id("pipeline_id"), sa.Column("stage_key", sa.String(64), nullable=False),
            sa.Column("status", sa.String(16), nullable=False), _id("owner_user_id"),
            indexes=(("team_id", "created_at", "id"), ("account_id",), ("pipeline_id", "status"),
                     ("team_id", "status", "owner_user_id"), ("status", "created_at", "id")))
    _record("activities", _id("team_id"),
            sa.Column("target_type", sa.String(32), nullable=False), _id("target_id"),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("occurred_at", UtcDateTime(), nullable=False),
            indexes=(("target_type", "target_id", "occurred_at"),))
    _record("automation_rules", _id("pipeline_id"), indexes=(("pipeline_id",),))
    op.create_table("automation_firings",
                    sa.Column("key", sa.String(400), primary_key=True),
                    sa.Column("at", UtcDateTime(), nullable=False))
    op.create_table("deliveries",
                    sa.Column("idempotency_key", sa.String(400), primary_key=True),
                    _id("rule_id"), _id("deal_id"),
                    sa.Column("kind", sa.String(16), nullable=False),
                    sa.Column("state", sa.String(16), nullable=False),
                    sa.Column("attempts", sa.Integer, nullable=False),
                    sa.Column("last_error", sa.Text, nullable=False),
                    sa.Column("created_at", UtcDateTime(), nullable=False),
                    sa.Column("next_attempt_at", UtcDateTime()),
                    sa.Column("sent_at", UtcDateTime()),
                    sa.Column("lease_until", UtcDateTime()),
                    sa.Column("command_type", sa.String(100)),
                    sa.Column("command", sa.LargeBinary))
    op.create_index("ix_deliveries_rule_created", "deliveries", ["rule_id", "created_at"])
    op.create_index("ix_deliveries_state_next", "deliveries", ["state", "next_attempt_at"])
    _record("quotes", _id("team_id"), _id("opportunity_id"), indexes=(("opportunity_id",),))
    _record("orders", _id("team_id"), _id("opportunity_id"), _id("quote_id"),
            indexes=(("opportunity_id",), ("quote_id",)))
    _record("invoices", _id("team_id"), _id("opportunity_id"), _id("order_id"),
            sa.Column("number", sa.String(32), unique=True),
            indexes=(("opportunity_id",), ("order_id",)))
    op.create_table("invoice_sequences",
                    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("last_value", sa.BigInteger, nullable=False))
    op.create_table("history",
                    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                              primary_key=True, autoincrement=True),
                    sa.Column("record_type", sa.String(32), nullable=False),
                    _id("record_id"),
                    sa.Column("at", UtcDateTime(), nullable=False),
                    sa.Column("version", sa.BigInteger, nullable=False),
                    sa.Column("body", sa.Text, nullable=False))
    op.create_index("ix_history_record", "history", ["record_type", "record_id", "seq"])
    op.create_table("conversions",
                    sa.Column("conversion_id", sa.String(ID), primary_key=True),
                    _id("lead_id"), _id("account_id"), _id("contact_id"), _id("opportunity_id"),
                    sa.Column("at", UtcDateTime(), nullable=False))
    op.create_table("user_addresses",
                    sa.Column("user_id", sa.String(ID), primary_key=True),
                    sa.Column("email", sa.String(254), nullable=False),
                    sa.Column("display_name", sa.String(200), nullable=False),
                    sa.Column("active", sa.Integer, nullable=False),
                    sa.Column("version", sa.BigInteger, nullable=False))
    op.create_table("notifications",
                    sa.Column("idempotency_key", sa.String(400), primary_key=True),
                    sa.Column("user_id", sa.String(ID), primary_key=True),
                    _id("deal_id"),
                    sa.Column("title", sa.Text, nullable=False),
                    sa.Column("text", sa.Text, nullable=False),
                    sa.Column("created_at", UtcDateTime(), nullable=False),
                    sa.Column("read_at", UtcDateTime()))
    op.create_index("ix_notifications_user", "notifications", ["user_id", "created_at"])
    create_messaging_tables(op)
    create_scope_tables(op)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
