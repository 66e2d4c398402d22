"""reporting's first schema: the event store, the read models (deal facts, stage stays,
pipelines, the organisation tree, targets), the chassis outbox/inbox and the access replica.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import (
    INBOX,
    OUTBOX,
    create_messaging_tables,
    create_outbox_held_index,
    drop_outbox_held_index,
)
from crm_chassis.scopes import create_scope_tables
from crm_chassis.scopes.tables import SCOPES, VERSIONS

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

READ_MODELS = (
    "deal_facts",
    "stage_stays",
    "activity_facts",
    "pipeline_stages",
    "org_units",
    "org_teams",
    "targets",
)


def upgrade() -> None:
    op.create_table(
        "event_store",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("aggregate_type", sa.String(40), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("aggregate_version", sa.BigInteger, nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_event_store_aggregate",
        "event_store",
        ["aggregate_type", "aggregate_id", "aggregate_version"],
    )
    op.create_table(
        "deal_facts",
        sa.Column("deal_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=False),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("owner_user_id", sa.String(64), nullable=False),
        sa.Column("stage_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("value_micros", sa.BigInteger, nullable=True),
        sa.Column("probability", sa.Integer, nullable=False),
        sa.Column("forecast_category", sa.String(16), nullable=False),
        sa.Column("estimated_close_date", sa.String(10), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("stage_entered_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("close_date", sa.String(10), nullable=True),
        sa.Column("lost_reason", sa.String(80), nullable=False),
        sa.Column("lost_competitor", sa.String(200), nullable=False),
        sa.Column("reopen_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_deal_facts_line_closed", "deal_facts", ["sales_line_id", "close_date"])
    op.create_index("ix_deal_facts_team_closed", "deal_facts", ["team_id", "close_date"])
    op.create_index("ix_deal_facts_team_created", "deal_facts", ["team_id", "created_at"])
    op.create_index("ix_deal_facts_status_team", "deal_facts", ["status", "team_id"])
    op.create_table(
        "stage_stays",
        sa.Column("deal_id", sa.String(64), primary_key=True),
        sa.Column("entered_at", UtcDateTime(), primary_key=True),
        sa.Column("stage_key", sa.String(64), primary_key=True),
        sa.Column("left_at", UtcDateTime(), nullable=True),
        sa.Column("team_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_stage_stays_team_left", "stage_stays", ["team_id", "left_at"])
    op.create_table(
        "activity_facts",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("owner_user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ix_activity_facts_team_occurred", "activity_facts", ["team_id", "occurred_at"]
    )
    op.create_index("ix_activity_facts_team_done", "activity_facts", ["team_id", "done_at"])
    op.create_table(
        "pipeline_stages",
        sa.Column("pipeline_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("stage_key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("expected_days", sa.Integer, nullable=False),
        sa.Column("default_probability", sa.Integer, nullable=False),
        sa.Column("forecast_category", sa.String(16), nullable=False),
    )
    op.create_table(
        "org_units",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("parent_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "org_teams",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "targets",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_micros", sa.BigInteger, nullable=False),
        sa.Column("deal_count", sa.BigInteger, nullable=False),
    )
    create_messaging_tables(op)
    create_outbox_held_index(op)
    create_scope_tables(op)


def downgrade() -> None:
    op.drop_table(SCOPES)
    op.drop_table(VERSIONS)
    drop_outbox_held_index(op)
    op.drop_table(INBOX)
    op.drop_table(OUTBOX)
    for name in reversed(READ_MODELS):
        op.drop_table(name)
    op.drop_table("event_store")
