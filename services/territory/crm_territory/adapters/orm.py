"""territory's tables (SQLAlchemy Core), plus the chassis outbox and inbox, in one MetaData.

Portable between SQLite (make run) and PostgreSQL (tests, production): small lists that are
only ever read with their row (unit managers, a person's departments and roles, a line's teams,
rule sets, ledgers, decision explanations) are JSON text columns, not arrays or JSON operators.
The migration in migrations/versions creates exactly these tables (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox import messaging_tables

metadata = MetaData()

ID = 64  # ids are uuid hex here, but other services' ids (leads, users) are kept as given

org_settings = Table(
    "org_settings",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one organisation
    Column("level_names", Text, nullable=False),  # JSON list of the 3 names, top first
    Column("unassigned_queue_team_id", String(ID), nullable=False, server_default=""),
    Column("version", BigInteger, nullable=False),
)

# One row (id 1): bumped by every write to units or teams, in the writing transaction. Readers
# cache the whole organisation per value (adapters/org_cache.py).
org_version = Table(
    "org_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

org_units = Table(
    "org_units",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", Integer, nullable=False),
    Column("department", String(40), nullable=False),
    Column("parent_id", String(ID), nullable=False, server_default=""),
    Column("manager_user_ids", Text, nullable=False),  # JSON list
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime()),
    Column("version", BigInteger, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_id", String(ID), nullable=False, index=True),
    Column("strategy", String(20), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime()),
    Column("version", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("team_id", String(ID), nullable=False, index=True),
    Column("user_id", String(ID), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime()),
    Column("daily_capacity", Integer),  # NULL = unlimited
    Column("takes_leads", Boolean, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("end_reason", Text, nullable=False, server_default=""),
    Column("version", BigInteger, nullable=False),
)

absences = Table(
    "absences",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("user_id", String(ID), nullable=False, index=True),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("cancelled", Boolean, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("user_id", String(ID), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("departments", Text, nullable=False),  # JSON list
    Column("roles", Text, nullable=False),  # JSON list
    Column("access_version", BigInteger, nullable=False),
    Column("identity_version", BigInteger, nullable=False),
)

sales_lines = Table(
    "sales_lines",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("workflow_kind", String(16), nullable=False),
    Column("pipeline_id", String(ID), nullable=False),
    Column("team_ids", Text, nullable=False),  # JSON list, in the line's order
    Column("active", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("targets_version", BigInteger, nullable=False),
)

targets = Table(
    "targets",
    metadata,
    Column("sales_line_id", String(ID), primary_key=True),
    Column("team_id", String(ID), primary_key=True),
    Column("period", String(10), primary_key=True),  # 2026, 2026-Q1, 2026-03
    Column("amount", String(40), nullable=False),  # exact decimal text, never a float
    Column("currency", String(3), nullable=False),
    Column("deal_count", Integer, nullable=False),
    # Unit targets as a JSON list (migration 0004_target_units); NULL = none.
    Column("units", Text),
)

territories = Table(
    "territories",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sales_line_id", String(ID), nullable=False, index=True),
    Column("team_id", String(ID), nullable=False, index=True),
    Column("priority", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    # Migration 0005_territory_pipeline: the deals pipeline this territory's deals go into.
    Column("pipeline_id", String(ID), nullable=False, server_default=""),
)

# Every published rule set is kept (audit, explanations of old decisions): append-only.
territory_rule_versions = Table(
    "territory_rule_versions",
    metadata,
    Column("territory_id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("rules", Text, nullable=False),  # JSON list of rules with conditions
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changed_by", String(ID), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
)

# One row per team, locked (SELECT ... FOR UPDATE) by whoever assigns in that team.
team_ledgers = Table(
    "team_ledgers",
    metadata,
    Column("team_id", String(ID), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("members", Text, nullable=False),  # JSON object user_id -> load
)

# One row per lead: the primary key makes a second decision of the same lead fail.
routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column("lead_id", String(ID), primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("team_id", String(ID), nullable=False, index=True),
    Column("owner_user_id", String(ID), nullable=False, server_default=""),
    Column("sales_line_id", String(ID), nullable=False, server_default=""),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("in_queue", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),  # JSON: lead facts, match, owner choice
)
# The unassigned queue in its order; partial, so it stays as small as the queue.
Index(
    "ix_routing_decisions_queue",
    routing_decisions.c.decided_at,
    routing_decisions.c.lead_id,
    postgresql_where=text("in_queue"),
    sqlite_where=text("in_queue"),
)

owner_choices = Table(
    "owner_choices",
    metadata,
    Column("team_id", String(ID), primary_key=True),
    Column("subject_id", String(ID), primary_key=True),
    Column("choice", Text, nullable=False),  # JSON owner choice with candidates
)

# Workload tracking: territory's copy of each lead's and deal's team, owner and state, built from
# their events; a member's open items in a ledger count the open rows they own (domain/workload).
tracked_items = Table(
    "tracked_items",
    metadata,
    Column("kind", String(8), primary_key=True),  # lead / deal
    Column("item_id", String(ID), primary_key=True),
    Column("team_id", String(ID), nullable=False, server_default=""),
    Column("owner_user_id", String(ID), nullable=False, server_default=""),
    Column("open", Boolean, nullable=False),
    Column("owner_version", BigInteger, nullable=False),  # item version that set team/owner
    Column("open_version", BigInteger, nullable=False),  # item version that set ``open``
)
# A member's open items, to recount or check a ledger; partial: closed items are most rows.
Index(
    "ix_tracked_items_open_owner",
    tracked_items.c.team_id,
    tracked_items.c.owner_user_id,
    postgresql_where=text("open"),
    sqlite_where=text("open"),
)

outbox, inbox = messaging_tables(metadata)
