"""An invoice's status as a column: ListInvoices (and the invoice export) filter by it.

invoices.status (draft, issued, paid, cancelled), taken from each existing invoice's document,
and an index by team, status and creation (the filtered list in its order).

Revision ID: 0014_invoice_status
Revises: 0013_notification_teams
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0014_invoice_status"
down_revision = "0013_notification_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("status", sa.String(16), nullable=True))
    bind = op.get_bind()
    t = sa.table("invoices", sa.column("id"), sa.column("body"), sa.column("status"))
    for row in bind.execute(sa.select(t.c.id, t.c.body)).all():
        status = json.loads(row.body).get("status") or "draft"
        bind.execute(t.update().where(t.c.id == row.id).values(status=status))
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("status", existing_type=sa.String(16), nullable=False)
        batch.create_index(
            "ix_invoices_team_id_status_created_at_id", ["team_id", "status", "created_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_team_id_status_created_at_id")
        batch.drop_column("status")
