"""The running totals (domain/totals.py): ``deal_totals``, one row per (kind, grain, day, line,
team, pipeline, stage, status, currency, detail, probability) with the sums of every current
fact's contributions, written by the derivation in the facts' transaction; and the indexes the
stuck count (the open deals' recent stage entries) and the velocity's partial days read by;
the stays' pipeline and line; ``rebuild_runs``, the rebuild's outcomes (the rebuild-failure
alert). The table is filled from the event
store by the rebuild (``python -m crm_reporting.rebuild``) after upgrading.

Revision ID: 0004_running_totals
Revises: 0003_open_pipeline_indexes
"""

import sqlalchemy as sa
from alembic import op

from crm_chassis.db import UtcDateTime

revision = "0004_running_totals"
down_revision = "0003_open_pipeline_indexes"
branch_labels = None
depends_on = None

_KEY = (
    ("kind", 12), ("grain", 1), ("day", 10), ("sales_line_id", 64), ("team_id", 64),
    ("pipeline_id", 64), ("stage_key", 64), ("status", 8), ("currency", 3), ("detail", 1000),
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "deal_totals",
        *(sa.Column(name, sa.String(length), primary_key=True) for name, length in _KEY),
        sa.Column("probability", sa.Integer(), primary_key=True),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("valued", sa.BigInteger(), nullable=False),
        sa.Column(
            "value_micros",
            sa.Numeric(38, 0).with_variant(sa.BigInteger(), "sqlite"),
            nullable=False,
        ),
        sa.Column("entered", sa.BigInteger(), nullable=False),
        sa.Column(
            "length_micros",
            sa.Numeric(38, 0).with_variant(sa.BigInteger(), "sqlite"),
            nullable=False,
        ),
    )
    op.create_table(
        "rebuild_runs",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("aggregates", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_deal_facts_open_entered",
        "deal_facts",
        ["status", "pipeline_id", "stage_key", "stage_entered_at"],
    )
    # The stays carry their deal's pipeline and line (filled by the rebuild after upgrading).
    for name in ("pipeline_id", "sales_line_id"):
        op.add_column(
            "stage_stays", sa.Column(name, sa.String(64), nullable=False, server_default="")
        )
    op.drop_index("ix_stage_stays_team_left", "stage_stays")
    op.create_index(
        "ix_stage_stays_team_left_covering",
        "stage_stays",
        ["team_id", "left_at"],
        postgresql_include=["sales_line_id", "pipeline_id", "stage_key", "entered_at"],
    )
    # The velocity's open count reads the deals closed during a partial UTC day by this.
    op.create_index("ix_deal_facts_closed_at", "deal_facts", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_deal_facts_closed_at", "deal_facts")
    op.drop_index("ix_stage_stays_team_left_covering", "stage_stays")
    op.create_index("ix_stage_stays_team_left", "stage_stays", ["team_id", "left_at"])
    with op.batch_alter_table("stage_stays") as batch:
        batch.drop_column("sales_line_id")
        batch.drop_column("pipeline_id")
    op.drop_index("ix_deal_facts_open_entered", "deal_facts")
    op.drop_table("rebuild_runs")
    op.drop_table("deal_totals")
