"""catalog's first schema: unit groups, products, price lists (+ their product index), discount
lists, each with its revisions table, and the chassis outbox/inbox.

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import INBOX, OUTBOX, create_messaging_tables

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

AGGREGATES = ("unit_group", "product", "price_list", "discount_list")


def _common(*columns) -> list:
    return [sa.Column("id", sa.String(32), primary_key=True), *columns,
            sa.Column("version", sa.BigInteger, nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("updated_at", UtcDateTime(), nullable=False),
            sa.Column("snapshot", sa.Text, nullable=False)]


def upgrade() -> None:
    op.create_table("unit_groups", *_common(sa.Column("name_key", sa.String(200),
                                                      nullable=False)))
    op.create_index("ix_unit_groups_name_key", "unit_groups", ["name_key", "id"])
    op.create_table(
        "products",
        *_common(sa.Column("sku", sa.String(64), nullable=False, unique=True),
                 sa.Column("search_key", sa.Text, nullable=False),
                 sa.Column("family_key", sa.String(200), nullable=False),
                 sa.Column("unit_group_id", sa.String(32), nullable=False),
                 sa.Column("status", sa.String(16), nullable=False)))
    op.create_index("ix_products_unit_group_id", "products", ["unit_group_id"])
    op.create_table(
        "price_lists",
        *_common(sa.Column("name_key", sa.String(200), nullable=False),
                 sa.Column("currency", sa.String(3), nullable=False),
                 sa.Column("valid_from", sa.Date()),
                 sa.Column("valid_to", sa.Date())))
    op.create_index("ix_price_lists_name_key", "price_lists", ["name_key", "id"])
    op.create_table(
        "price_list_products",
        sa.Column("price_list_id", sa.String(32), primary_key=True),
        sa.Column("product_id", sa.String(32), primary_key=True))
    op.create_index("ix_price_list_products_product_id", "price_list_products",
                    ["product_id"])
    op.create_table("discount_lists", *_common(sa.Column("name_key", sa.String(200),
                                                         nullable=False)))
    op.create_index("ix_discount_lists_name_key", "discount_lists", ["name_key", "id"])
    for name in AGGREGATES:
        op.create_table(
            f"{name}_revisions",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("version", sa.BigInteger, primary_key=True),
            sa.Column("valid_from", UtcDateTime(), nullable=False),
            sa.Column("snapshot", sa.Text, nullable=False))
        op.create_index(f"ix_{name}_revisions_id_valid_from", f"{name}_revisions",
                        ["id", "valid_from", "version"])
    create_messaging_tables(op)


def downgrade() -> None:
    op.drop_table(INBOX)
    op.drop_table(OUTBOX)
    for name in AGGREGATES:
        op.drop_table(f"{name}_revisions")
    for table in ("discount_lists", "price_list_products", "price_lists", "products",
                  "unit_groups"):
        op.drop_table(table)
