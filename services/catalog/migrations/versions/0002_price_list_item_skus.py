"""Price list items carry their product's SKU: every stored price list snapshot (current rows and
revisions) gets it filled in.

An item in a snapshot was ``[product_id, unit, method, value, rounding, discount_list_id]``; it
becomes ``[..., discount_list_id, sku]``. A SKU never changes once its product exists, so
writing it into past revisions changes nothing they meant: each revision still prices and reads
as it did, and now shows the SKU too. The code still reads six-field items (with an empty SKU),
so the application may run before or after this migration. Downgrade removes the field again,
for the code that expected exactly six.

This migration reads the SKUs from ``products`` and rewrites the JSON in Python (portable between
PostgreSQL and SQLite); price lists are few, and their revisions are read in pages.

Revision ID: 0002_price_list_item_skus
Revises: 0001_initial
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_price_list_item_skus"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

PAGE = 500
TABLES = ("price_lists", "price_list_revisions")
_SIX_FIELDS = 6


def _dumps(document: dict) -> str:
    # as crm_catalog.adapters.snapshots writes them
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _rewrite(change_items) -> None:
    """Calls ``change_items(items)`` on every price list snapshot; rows whose items it reports
    as changed are written back."""
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.String), sa.column("version", sa.BigInteger),
                         sa.column("snapshot", sa.Text))
        after = None
        while True:
            query = sa.select(table.c.id, table.c.version, table.c.snapshot)
            if after is not None:
                query = query.where(sa.tuple_(table.c.id, table.c.version) > sa.tuple_(*after))
            rows = connection.execute(
                query.order_by(table.c.id, table.c.version).limit(PAGE)).all()
            if not rows:
                break
            for id, version, snapshot in rows:
                document = json.loads(snapshot)
                if change_items(document["items"]):
                    connection.execute(
                        sa.update(table)
                        .where(table.c.id == id, table.c.version == version)
                        .values(snapshot=_dumps(document)))
            after = (rows[-1][0], rows[-1][1])


def upgrade() -> None:
    products = sa.table("products", sa.column("id", sa.String), sa.column("sku", sa.String))
    skus = dict(op.get_bind().execute(sa.select(products.c.id, products.c.sku)).all())

    def add_skus(items: list) -> bool:
        changed = False
        for item in items:
            if len(item) == _SIX_FIELDS:
                # products are never deleted; "" only if the data was already inconsistent
                item.append(skus.get(item[0], ""))
                changed = True
        return changed

    _rewrite(add_skus)


def downgrade() -> None:
    def remove_skus(items: list) -> bool:
        changed = False
        for item in items:
            if len(item) > _SIX_FIELDS:
                del item[_SIX_FIELDS:]
                changed = True
        return changed

    _rewrite(remove_skus)
