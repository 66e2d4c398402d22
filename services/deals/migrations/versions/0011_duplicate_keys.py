"""Duplicate keys of accounts and contacts, and the pointer of a merged record to its survivor.

accounts: match_name, match_domain, match_phone; contacts: match_email, match_phone, match_name
(account id | person name); both: merged_into_id (NULL = not merged). invoices: an index by
team and creation (ListInvoices). Keys are the chassis'
matching rule (crm_chassis.matching, the one leads use); existing rows get theirs computed from
their document here. Indexed by team, since duplicates are looked for inside the caller's teams.

Revision ID: 0011_duplicate_keys
Revises: 0010_territory_pipelines
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from crm_chassis.matching import company_key, person_key, phone_key, web_domain

revision = "0011_duplicate_keys"
down_revision = "0010_territory_pipelines"
branch_labels = None
depends_on = None

ID = 64
KEYS = {
    "accounts": (("match_name", 300), ("match_domain", 300), ("match_phone", 40)),
    "contacts": (("match_email", 300), ("match_phone", 40), ("match_name", 400)),
}


def _account_keys(body: dict) -> dict:
    return {
        "match_name": company_key(body.get("name", "")) or None,
        "match_domain": web_domain(body.get("website", "")) or None,
        "match_phone": phone_key(body.get("phone", "")) or None,
    }


def _contact_keys(body: dict) -> dict:
    person = person_key(body.get("first_name", ""), body.get("last_name", ""))
    return {
        "match_email": (body.get("email") or "").strip().lower() or None,
        "match_phone": phone_key(body.get("phone", "")) or None,
        "match_name": f"{body.get('account_id', '')}|{person}" if person else None,
    }


def upgrade() -> None:
    for table, columns in KEYS.items():
        with op.batch_alter_table(table) as batch:
            for name, length in columns:
                batch.add_column(sa.Column(name, sa.String(length), nullable=True))
            batch.add_column(sa.Column("merged_into_id", sa.String(ID), nullable=True))
            for name, _ in columns:
                batch.create_index(f"ix_{table}_team_id_{name}", ["team_id", name])
    # ListInvoices (the invoice export walks it): a team's invoices in creation order.
    op.create_index(
        "ix_invoices_team_id_created_at_id", "invoices", ["team_id", "created_at", "id"]
    )
    bind = op.get_bind()
    for table, keys_of in (("accounts", _account_keys), ("contacts", _contact_keys)):
        t = sa.table(
            table, sa.column("id"), sa.column("body"), *(sa.column(c) for c, _ in KEYS[table])
        )
        rows = bind.execute(sa.select(t.c.id, t.c.body)).all()
        for row in rows:
            bind.execute(t.update().where(t.c.id == row.id).values(**keys_of(json.loads(row.body))))


def downgrade() -> None:
    op.drop_index("ix_invoices_team_id_created_at_id", "invoices")
    for table, columns in KEYS.items():
        with op.batch_alter_table(table) as batch:
            for name, _ in columns:
                batch.drop_index(f"ix_{table}_team_id_{name}")
                batch.drop_column(name)
            batch.drop_column("merged_into_id")
