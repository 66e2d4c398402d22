"""reporting's copy of catalog's exchange rates (``exchange_rates``, adapters/rates_orm.py): one
row per pair and effective date, derived from catalog's ``exchange_rate_set`` events, for the
reports in a reporting currency. It fills as catalog's rate events arrive; rates set before
reporting subscribed are brought by re-publishing them (docs/services/reporting.md).

Revision ID: 0005_exchange_rates
Revises: 0004_running_totals
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_exchange_rates"
down_revision = "0004_running_totals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("base", sa.String(3), primary_key=True),
        sa.Column("quote", sa.String(3), primary_key=True),
        sa.Column("effective_on", sa.String(10), primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchange_rates")
