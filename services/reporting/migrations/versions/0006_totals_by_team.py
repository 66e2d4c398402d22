"""The running totals read by team: an index on (kind, sales_line_id, team_id, grain, day), so a
read of one line's rows for the whole line (team ``*``) or for its teams walks those teams' rows
of the period only; the primary key (kind, grain, day, ...) puts every team's rows of a day side
by side and a period's read walked them all. And the running totals' kinds added since
``0004_running_totals`` (counts per hour of length, the rows for the whole line, the line's teams:
domain/totals.py): run the rebuild once after upgrading (docs/services/reporting.md, Runbook).

Revision ID: 0006_totals_by_team
Revises: 0005_exchange_rates
"""

from alembic import op

revision = "0006_totals_by_team"
down_revision = "0005_exchange_rates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deal_totals_line_team",
        "deal_totals",
        ["kind", "sales_line_id", "team_id", "grain", "day"],
    )


def downgrade() -> None:
    op.drop_index("ix_deal_totals_line_team", "deal_totals")
