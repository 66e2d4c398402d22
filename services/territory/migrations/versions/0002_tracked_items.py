"""Workload tracking: territory's copy of every lead's and deal's team, owner and state
(``tracked_items``), and the members' open-item counts in the team ledgers started again at 0.

Until now a member's ``open_items`` only grew (+1 per lead territory routed, never down): the
numbers say how many leads each member was ever routed, not their workload. From this revision
on a member's count is exactly the number of open tracked items they own in the team, which
holds from an empty table only with every count at 0. Items that were open before are counted
from their next event (an assignment, a status change, a close); until then load balancing
sees only what was routed or changed since the upgrade.

The ledgers' members are JSON text (``[queue_key, enrolled, day, assigned_on_day, open_items,
total_assigned]`` per member); they are rewritten in Python, portable between PostgreSQL and
SQLite, one locked row at a time (ledgers are one per team). Downgrade drops the table and
leaves the counts as they are (the older code only adds to them).

Revision ID: 0002_tracked_items
Revises: 0001_initial
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_tracked_items"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

OPEN_ITEMS = 4   # position of open_items in a member's JSON list

_LEDGERS = sa.table("team_ledgers", sa.column("team_id", sa.String),
                    sa.column("members", sa.Text))


def _reset_open_items() -> None:
    conn = op.get_bind()
    team_ids = conn.execute(sa.select(_LEDGERS.c.team_id)).scalars().all()
    for team_id in team_ids:
        query = sa.select(_LEDGERS.c.members).where(_LEDGERS.c.team_id == team_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()   # a router running meanwhile waits
        members = json.loads(conn.execute(query).scalar_one())
        if not any(load[OPEN_ITEMS] for load in members.values()):
            continue
        for load in members.values():
            load[OPEN_ITEMS] = 0
        conn.execute(sa.update(_LEDGERS).where(_LEDGERS.c.team_id == team_id)
                     .values(members=json.dumps(members, separators=(",", ":"))))


def upgrade() -> None:
    op.create_table(
        "tracked_items",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("owner_user_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("owner_version", sa.BigInteger, nullable=False),
        sa.Column("open_version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tracked_items_open_owner", "tracked_items", ["team_id", "owner_user_id"],
                    postgresql_where=sa.text("open"), sqlite_where=sa.text("open"))
    _reset_open_items()


def downgrade() -> None:
    op.drop_index("ix_tracked_items_open_owner", table_name="tracked_items")
    op.drop_table("tracked_items")
