"""territory's first schema: organisation structure (settings, structure version, units, teams,
sales lines, territories with their rule set versions), targets, people, memberships, absences,
assignment state (team ledgers, routing decisions, owner choices), and the chassis outbox/inbox.

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

TABLES = ("org_settings", "org_version", "org_units", "teams", "memberships", "absences",
          "people", "sales_lines", "targets", "territories", "territory_rule_versions",
          "team_ledgers", "routing_decisions", "owner_choices")


def upgrade() -> None:
    op.create_table(
        "org_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level_names", sa.Text, nullable=False),
        sa.Column("unassigned_queue_team_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "org_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("manager_user_ids", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("strategy", sa.String(20), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_teams_unit_id", "teams", ['unit_id'])
    op.create_table(
        "memberships",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime()),
        sa.Column("daily_capacity", sa.Integer),
        sa.Column("takes_leads", sa.Boolean, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("end_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_memberships_user_id", "memberships", ['user_id'])
    op.create_index("ix_memberships_team_id", "memberships", ['team_id'])
    op.create_table(
        "absences",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("cancelled", sa.Boolean, nullable=False),
    )
    op.create_index("ix_absences_user_id", "absences", ['user_id'])
    op.create_table(
        "people",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("access_version", sa.BigInteger, nullable=False),
        sa.Column("identity_version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sales_lines",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("workflow_kind", sa.String(16), nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=False),
        sa.Column("team_ids", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("targets_version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "targets",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("deal_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "territories",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_territories_sales_line_id", "territories", ['sales_line_id'])
    op.create_index("ix_territories_team_id", "territories", ['team_id'])
    op.create_table(
        "territory_rule_versions",
        sa.Column("territory_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "team_ledgers",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("members", sa.Text, nullable=False),
    )
    op.create_table(
        "routing_decisions",
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("owner_user_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("sales_line_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("in_queue", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_routing_decisions_team_id", "routing_decisions", ['team_id'])
    op.create_index("ix_routing_decisions_queue", "routing_decisions", ['decided_at', 'lead_id'], postgresql_where=sa.text("in_queue"), sqlite_where=sa.text("in_queue"))
    op.create_table(
        "owner_choices",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("choice", sa.Text, nullable=False),
    )
    # The structure version every cache keys on starts at 0 (adapters/org_cache.py).
    op.bulk_insert(sa.table("org_version", sa.column("id", sa.Integer),
                            sa.column("version", sa.BigInteger)), [{"id": 1, "version": 0}])
    create_messaging_tables(op)


def downgrade() -> None:
    for table in (INBOX, OUTBOX) + tuple(reversed(TABLES)):
        op.drop_table(table)
