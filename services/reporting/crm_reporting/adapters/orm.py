"""reporting's tables (the migrations create exactly these; a test compares them).

Money is stored as exact micro-units of its currency (``*_micros``, BIGINT): sums stay exact and
integer on every engine, and SQLite has no exact decimal type.

Indexes follow the reads of a report (docs/services/reporting.md, "Scale"): closed deals by
(line | team, close_date), created deals by (team, created_at), open deals by (status, team),
stays by end; each range read touches only the period's rows. The open pipeline is read in
aggregate: the oldest open deals by (status, created_at, deal_id), the period's forecast by
(status, estimated_close_date).
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
)

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.scopes.tables import scope_tables

metadata = MetaData()

event_store = Table(
    "event_store",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("source", String(40), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("aggregate_type", String(40), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("aggregate_version", BigInteger, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_event_store_aggregate", "aggregate_type", "aggregate_id", "aggregate_version"),
)

deal_facts = Table(
    "deal_facts",
    metadata,
    Column("deal_id", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("pipeline_id", String(64), nullable=False),
    Column("sales_line_id", String(64), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("stage_key", String(64), nullable=False),
    Column("status", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("value_micros", BigInteger, nullable=True),
    Column("probability", Integer, nullable=False),
    Column("forecast_category", String(16), nullable=False),
    Column("estimated_close_date", String(10), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("stage_entered_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("close_date", String(10), nullable=True),
    Column("lost_reason", String(80), nullable=False),
    Column("lost_competitor", String(200), nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Index("ix_deal_facts_line_closed", "sales_line_id", "close_date"),
    Index("ix_deal_facts_team_closed", "team_id", "close_date"),
    Index("ix_deal_facts_team_created", "team_id", "created_at"),
    Index("ix_deal_facts_status_team", "status", "team_id"),
    Index("ix_deal_facts_status_created", "status", "created_at", "deal_id"),
    Index("ix_deal_facts_status_estimated", "status", "estimated_close_date"),
)

stage_stays = Table(
    "stage_stays",
    metadata,
    Column("deal_id", String(64), primary_key=True),
    Column("entered_at", UtcDateTime(), primary_key=True),
    Column("stage_key", String(64), primary_key=True),
    Column("left_at", UtcDateTime(), nullable=True),
    Column("team_id", String(64), nullable=False),
    Index("ix_stage_stays_team_left", "team_id", "left_at"),
)

activity_facts = Table(
    "activity_facts",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("team_id", String(64), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("done_at", UtcDateTime(), nullable=True),
    Index("ix_activity_facts_team_occurred", "team_id", "occurred_at"),
    Index("ix_activity_facts_team_done", "team_id", "done_at"),
)

pipeline_stages = Table(
    "pipeline_stages",
    metadata,
    Column("pipeline_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sales_line_id", String(64), nullable=False),
    Column("stage_key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("expected_days", Integer, nullable=False),
    Column("default_probability", Integer, nullable=False),
    Column("forecast_category", String(16), nullable=False),
)

org_units = Table(
    "org_units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("parent_id", String(64), nullable=False),
)

org_teams = Table(
    "org_teams",
    metadata,
    Column("team_id", String(64), primary_key=True),
    Column("unit_id", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
)

targets = Table(
    "targets",
    metadata,
    Column("sales_line_id", String(64), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("team_id", String(64), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("amount_micros", BigInteger, nullable=False),
    Column("deal_count", BigInteger, nullable=False),
)

READ_MODELS = (
    deal_facts,
    stage_stays,
    activity_facts,
    pipeline_stages,
    org_units,
    org_teams,
    targets,
)

outbox, inbox = messaging_tables(metadata)
access_version, access_scope = scope_tables(metadata)

# The marketing and customer KPIs' read models (their own module, on this metadata); a rebuild
# empties them with the others.
from crm_reporting.adapters.marketing_orm import MARKETING_TABLES  # noqa: E402

READ_MODELS = READ_MODELS + MARKETING_TABLES
