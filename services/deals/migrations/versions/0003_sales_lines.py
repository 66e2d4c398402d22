"""deals' copy of territory's sales lines (id, name, workflow, active, territory's version),
kept from territory's sales_line_changed events: a pipeline is created only for a line
territory has.

Revision ID: 0003_sales_lines
Revises: 0002_scope_automation_rules
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_sales_lines"
down_revision = "0002_scope_automation_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("sales_lines",
                    sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("name", sa.String(200), nullable=False),
                    sa.Column("workflow", sa.String(16), nullable=False),
                    sa.Column("active", sa.Integer, nullable=False),
                    sa.Column("version", sa.BigInteger, nullable=False))


def downgrade() -> None:
    op.drop_table("sales_lines")
