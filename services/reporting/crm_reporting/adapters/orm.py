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
    Numeric,
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

# Every run of the rebuild and its outcome (the rebuild-failure alert reads the latest).
rebuild_runs = Table(
    "rebuild_runs",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("finished_at", UtcDateTime(), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("aggregates", BigInteger, nullable=False),
    Column("error", Text, nullable=False),
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
    Index("ix_deal_facts_open_entered", "status", "pipeline_id", "stage_key", "stage_entered_at"),
    Index("ix_deal_facts_closed_at", "closed_at"),
)

stage_stays = Table(
    "stage_stays",
    metadata,
    Column("deal_id", String(64), primary_key=True),
    Column("entered_at", UtcDateTime(), primary_key=True),
    Column("stage_key", String(64), primary_key=True),
    Column("left_at", UtcDateTime(), nullable=True),
    Column("team_id", String(64), nullable=False),
    # The deal's pipeline and line, written with it: the time-in-stage read of a team or line
    # needs no join to the deals (migration 0004).
    Column("pipeline_id", String(64), nullable=False, server_default=""),
    Column("sales_line_id", String(64), nullable=False, server_default=""),
    # The time in stage's medians read the period's stays from this index alone (PostgreSQL;
    # it replaces ix_stage_stays_team_left, migration 0004).
    Index(
        "ix_stage_stays_team_left_covering",
        "team_id",
        "left_at",
        postgresql_include=["sales_line_id", "pipeline_id", "stage_key", "entered_at"],
    ),
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

# The running totals (domain/totals.py): one row per key, the sums of every current fact's
# contributions. The key starts with (kind, grain, day, line, team): a read names one kind, a few
# months or days (or a range of them) and the scope's line and teams. Sums of money are NUMERIC on PostgreSQL (a line's total in
# micro-units may pass BIGINT); SQLite's INTEGER is 64-bit, enough for `make run`.
_SUM = Numeric(38, 0).with_variant(BigInteger, "sqlite")
TOTALS_KEY = (
    "kind", "grain", "day", "sales_line_id", "team_id", "pipeline_id", "stage_key", "status",
    "currency", "detail", "probability",
)  # fmt: skip
deal_totals = Table(
    "deal_totals",
    metadata,
    Column("kind", String(12), primary_key=True),
    Column("grain", String(1), primary_key=True),  # d(ay), m(onth) or '' (no time)
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, YYYY-MM or ''
    Column("sales_line_id", String(64), primary_key=True),
    Column("team_id", String(64), primary_key=True),
    Column("pipeline_id", String(64), primary_key=True),
    Column("stage_key", String(64), primary_key=True),
    Column("status", String(8), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("detail", String(1000), primary_key=True),
    Column("probability", Integer, primary_key=True),
    Column("deals", BigInteger, nullable=False),
    Column("valued", BigInteger, nullable=False),
    Column("value_micros", _SUM, nullable=False),
    Column("entered", BigInteger, nullable=False),
    Column("length_micros", _SUM, nullable=False),
    Index("ix_deal_totals_line_team", "kind", "sales_line_id", "team_id", "grain", "day"),
)

READ_MODELS = (
    deal_totals,
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

# catalog's exchange rates (the reports in a reporting currency); a rebuild empties them too.
from crm_reporting.adapters.rates_orm import RATE_TABLES  # noqa: E402

READ_MODELS = READ_MODELS + RATE_TABLES
