"""Pipelines per territory: a line may have several pipelines (one default, marked by
``default_for_line``), the copy of a line keeps the pipeline the line names, and deals keeps
each territory's pipeline choice (``territory_pipelines``, from territory_rules_changed).

The unique constraint on ``pipelines.sales_line_id`` was created unnamed: PostgreSQL named it
``pipelines_sales_line_id_key``; on SQLite the batch (table rebuild) reflects it under the naming
convention below. Every existing pipeline was its line's only one, so it is the line's default.

Revision ID: 0010_territory_pipelines
Revises: 0009_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_territory_pipelines"
down_revision = "0009_privacy"
branch_labels = None
depends_on = None

ID = 64
NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade() -> None:
    with op.batch_alter_table("pipelines", naming_convention=NAMING) as batch:
        batch.drop_constraint("pipelines_sales_line_id_key", type_="unique")
        batch.add_column(sa.Column("default_for_line", sa.String(ID), nullable=True))
        batch.create_unique_constraint("pipelines_default_for_line_key", ["default_for_line"])
        batch.create_index("ix_pipelines_sales_line_id", ["sales_line_id"])
    op.execute("UPDATE pipelines SET default_for_line = sales_line_id")
    with op.batch_alter_table("sales_lines") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.String(ID), nullable=False, server_default=""))
    op.create_table(
        "territory_pipelines",
        sa.Column("territory_id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sales_line_id", sa.String(ID), nullable=False),
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("pipeline_id", sa.String(ID), nullable=False),
        sa.Column("active", sa.Integer, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_territory_pipelines_sales_line_id_team_id",
        "territory_pipelines",
        ["sales_line_id", "team_id"],
    )


def downgrade() -> None:
    """Back to one pipeline per line. Refused while a line has a pipeline besides its default
    (the old schema cannot hold it, and its deals would point at a pipeline that is gone)."""
    others = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM pipelines WHERE default_for_line IS NULL"))
        .scalar()
    )
    if others:
        raise RuntimeError(
            f"{others} pipeline(s) are not their line's default: the schema before 0010 holds "
            "one pipeline per line; move their deals and remove them first"
        )
    op.drop_index("ix_territory_pipelines_sales_line_id_team_id", table_name="territory_pipelines")
    op.drop_table("territory_pipelines")
    with op.batch_alter_table("sales_lines") as batch:
        batch.drop_column("pipeline_id")
    with op.batch_alter_table("pipelines", naming_convention=NAMING) as batch:
        batch.drop_index("ix_pipelines_sales_line_id")
        batch.drop_constraint("pipelines_default_for_line_key", type_="unique")
        batch.drop_column("default_for_line")
        batch.create_unique_constraint("pipelines_sales_line_id_key", ["sales_line_id"])
