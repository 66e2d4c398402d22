"""Whether an invoice is partly paid as a column: ListInvoices (and the invoice export) filter by it.

invoices.partly_paid: issued with payments short of the total (a payment covering the balance
makes the invoice paid), taken from each existing invoice's document. The filter reads it
within the issued invoices of the index (team_id, status, created_at, id).

Revision ID: 0015_invoice_partly_paid
Revises: 0014_invoice_status
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0015_invoice_partly_paid"
down_revision = "0014_invoice_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "invoices",
        sa.Column("partly_paid", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    bind = op.get_bind()
    t = sa.table(
        "invoices", sa.column("id"), sa.column("body"), sa.column("status"), sa.column("partly_paid")
    )
    issued = sa.select(t.c.id, t.c.body).where(t.c.status == "issued")
    for row in bind.execute(issued).all():
        if json.loads(row.body).get("payments"):
            bind.execute(t.update().where(t.c.id == row.id).values(partly_paid=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("partly_paid")
