"""Line workflows: contracts (contract lines) and pro-forma invoices (pro-forma lines), and the
parent account of an account (its hierarchy; NULL = a top-level account).

Revision ID: 0007_line_workflows
Revises: 0006_customer_emails
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0007_line_workflows"
down_revision = "0006_customer_emails"
branch_labels = None
depends_on = None

ID = 64


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
    _record("contracts",
            sa.Column("team_id", sa.String(ID), nullable=False),
            sa.Column("opportunity_id", sa.String(ID), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("renewal_due_on", sa.Date(), nullable=False),
            sa.Column("renewal_opportunity_id", sa.String(ID), nullable=False),
            indexes=(("opportunity_id",), ("status", "renewal_due_on")))
    _record("proformas",
            sa.Column("team_id", sa.String(ID), nullable=False),
            sa.Column("opportunity_id", sa.String(ID), nullable=False),
            sa.Column("quote_id", sa.String(ID), nullable=False),
            sa.Column("number", sa.String(40), nullable=False, unique=True),
            indexes=(("opportunity_id",),))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("parent_account_id", sa.String(ID), nullable=True))
        batch.create_index("ix_accounts_parent_account_id", ["parent_account_id"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_parent_account_id")
        batch.drop_column("parent_account_id")
    op.drop_table("proformas")
    op.drop_table("contracts")
