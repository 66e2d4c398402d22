"""catalog's tables (SQLAlchemy Core), plus the chassis outbox and inbox, in one MetaData.

Each aggregate has a **current** table (the latest version: the columns lists filter and sort
by, and the whole aggregate as a JSON ``snapshot``) and a ``<aggregate>_revisions`` table with
every committed version (id, version, valid_from, snapshot) for "as of" reads. Nothing is ever
deleted from either. ``price_list_products`` indexes which products the current version of each
price list prices (for the unit-removal check).

Portable between SQLite (make run) and PostgreSQL (tests, production): JSON is stored as text,
no arrays. The migration in migrations/versions creates exactly these tables (a test compares
them).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, MetaData, String, Table, Text

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox import messaging_tables

metadata = MetaData()


def _common(*columns) -> list:
    return [
        Column("id", String(32), primary_key=True),
        *columns,
        Column("version", BigInteger, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("snapshot", Text, nullable=False),
    ]


def _revisions(name: str) -> Table:
    table = Table(
        f"{name}_revisions",
        metadata,
        Column("id", String(32), primary_key=True),
        Column("version", BigInteger, primary_key=True),
        # When this version became the current one (see adapters/revision_clock.py).
        Column("valid_from", UtcDateTime(), nullable=False),
        Column("snapshot", Text, nullable=False),
    )
    Index(f"ix_{name}_revisions_id_valid_from", table.c.id, table.c.valid_from, table.c.version)
    return table


unit_groups = Table(
    "unit_groups",
    metadata,
    # casefolded name: lists sort and search by it, ignoring letter case
    *_common(Column("name_key", String(200), nullable=False)),
    Index("ix_unit_groups_name_key", "name_key", "id"),
)

products = Table(
    "products",
    metadata,
    *_common(
        Column("sku", String(64), nullable=False, unique=True),
        Column("search_key", Text, nullable=False),  # casefolded "SKU name"
        Column("family_key", String(200), nullable=False),
        Column("unit_group_id", String(32), nullable=False, index=True),
        Column("status", String(16), nullable=False),
    ),
)

price_lists = Table(
    "price_lists",
    metadata,
    *_common(
        Column("name_key", String(200), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("valid_from", Date()),
        Column("valid_to", Date()),
    ),
    Index("ix_price_lists_name_key", "name_key", "id"),
)

price_list_products = Table(
    "price_list_products",
    metadata,
    Column("price_list_id", String(32), primary_key=True),
    Column("product_id", String(32), primary_key=True, index=True),
)

discount_lists = Table(
    "discount_lists",
    metadata,
    *_common(Column("name_key", String(200), nullable=False)),
    Index("ix_discount_lists_name_key", "name_key", "id"),
)

unit_group_revisions = _revisions("unit_group")
product_revisions = _revisions("product")
price_list_revisions = _revisions("price_list")
discount_list_revisions = _revisions("discount_list")

# Dated exchange rates (one row per pair and first day; replaced in place, every version is in
# the exchange_rate_set events). The rate is a decimal string: exact, never a float.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("base", String(3), primary_key=True),
    Column("quote", String(3), primary_key=True),
    Column("effective_on", Date(), primary_key=True),
    Column("rate", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    Column("version", BigInteger, nullable=False),
)

outbox, inbox = messaging_tables(metadata)
