"""leads' tables (SQLAlchemy Core), plus the chassis outbox/inbox and access replica.

Portable between SQLite (make run) and PostgreSQL (tests, production). The lead is one wide row:
every field a search filters or sorts on is a column of its own; parts only read whole (score
factors, conversion request, merged ids) are JSON documents (adapters/json_documents.py).

``scope_team_id`` is the team whose scope sees the lead: its team, or the queue team while it
waits in the unassigned queue (domain/access.py ``Scope.can_see``). Every list query is "per
scope team, in sort order", so the search indexes lead with it. The PostgreSQL-only indexes
(partial, GIN, descending) are created by the migration, not here: see migrations/versions.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox import messaging_tables
from crm_chassis.scopes import scope_tables

metadata = MetaData()

# JSONB on PostgreSQL: custom attributes are filtered with @> on a jsonb_path_ops GIN index.
Document = JSON().with_variant(JSONB(), "postgresql")
# Amounts as their exact decimal text: a Numeric column would add digits ("100.00" -> "100.0000").
Amount = String(40)

leads = Table(
    "leads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("disqualification_reason", String(32)),
    Column("status_note", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # person
    Column("first_name", String(200), nullable=False, default=""),
    Column("last_name", String(200), nullable=False, default=""),
    Column("title", String(200), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    Column("phone", String(32), nullable=False, default=""),
    # company
    Column("company_name", String(300), nullable=False, default=""),
    Column("industry", String(100), nullable=False, default=""),
    Column("company_size", String(16)),
    Column("revenue_amount", Amount),
    Column("revenue_currency", String(3)),
    Column("website", String(500), nullable=False, default=""),
    # location
    Column("country", String(2), nullable=False, default=""),
    Column("region", String(200), nullable=False, default=""),
    Column("city", String(200), nullable=False, default=""),
    Column("postal_code", String(32), nullable=False, default=""),
    # source, line, interest, consent, custom attributes
    Column("channel", String(32)),
    Column("campaign_id", String(64), nullable=False, default=""),
    Column("sales_line_id", String(64), nullable=False, default=""),
    Column("product_interest", Document, nullable=False),
    Column("consent_email_marketing", Boolean, nullable=False, default=False),
    Column("consent_phone_contact", Boolean, nullable=False, default=False),
    Column("consent_data_processing", Boolean, nullable=False, default=False),
    Column("consent_captured_at", UtcDateTime()),
    Column("custom_attributes", Document, nullable=False),
    # assignment (NULL team: unassigned queue)
    Column("team_id", String(64)),
    Column("owner_user_id", String(64)),
    Column("queue_team_id", String(64)),
    Column("scope_team_id", String(64)),
    Column("assignment_method", String(16), nullable=False, default=""),
    Column("assignment_explanation", Text, nullable=False, default=""),
    Column("assigned_at", UtcDateTime()),
    Column("routing_decision_id", String(64), nullable=False, default=""),
    Column("routing_decided_at", UtcDateTime()),
    # score: value 0 and no grade until first scored (the domain's "no score")
    Column("score", Integer, nullable=False, default=0),
    Column("grade", String(1)),
    Column("score_document", Document),
    # conversion saga
    Column("conversion_id", String(64)),
    Column("conversion_state", String(16)),
    Column("conversion_next_attempt_at", UtcDateTime()),
    Column("conversion_document", Document),
    # merging
    Column("merged_into", String(32), nullable=False, default=""),
    Column("merged_lead_ids", Document, nullable=False),
    # Duplicate keys (domain/duplicates.py); NULL when empty. Unique among leads taking part
    # (partial unique indexes, below), so two concurrent captures cannot both create one.
    Column("duplicate_email", String(254)),
    Column("duplicate_phone", String(32)),
    Column("duplicate_company_person", String(600)),
    # Folded words of name, company and e-mail (domain/search.py search_words), space-separated:
    # free text is "every term prefixes a word".
    Column("search_text", Text, nullable=False, default=""),
)

TAKING_PART_SQL = "status IN ('new', 'working', 'qualified', 'disqualified')"
PENDING_CONVERSION_SQL = "conversion_state IN ('requested', 'converting', 'failed_retrying')"

lead_history = Table(
    "lead_history",
    metadata,
    Column("lead_id", String(32), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("changes", Document, nullable=False),
    Column("note", Text, nullable=False),
)

activities = Table(
    "lead_activities",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("lead_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("details", Document, nullable=False),
    Index("ix_lead_activities_lead_time", "lead_id", "occurred_at"),
)

# Sales interactions logged on leads (domain/interactions.py). Created by migration
# 0003_lead_interactions.
interactions = Table(
    "lead_interactions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("lead_id", String(32), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("direction", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("logged_by", String(64), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),
    Column("done_at", UtcDateTime()),
    # Reminders of tasks (migration 0006_lead_task_reminders).
    Column("reminded_for", UtcDateTime()),
    Index("ix_lead_interactions_lead_time", "lead_id", "occurred_at"),
    Index("ix_lead_interactions_kind_due", "kind", "due_at"),
)

idempotency_keys = Table(
    "lead_idempotency_keys",
    metadata,
    Column("caller_id", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("lead_id", String(32), nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False),  # lower-cased: unique, sorted
    UniqueConstraint("name_key", name="uq_campaigns_name_key"),
    Column("channel", String(32), nullable=False),
    Column("starts_on", String(10), nullable=False),  # ISO date
    Column("ends_on", String(10)),
    Column("cost_amount", Amount, nullable=False),
    Column("cost_currency", String(3), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", BigInteger, nullable=False),
)

scoring_models = Table(
    "scoring_models",
    metadata,
    Column("sales_line_id", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("document", Document, nullable=False),
)

# The naive Bayes counts as rows, changed by increments: two outcomes of one line recorded at
# the same time both count (no lost update, no lock on the line).
predictive_models = Table(
    "predictive_models",
    metadata,
    Column("sales_line_id", String(64), primary_key=True),
    Column("won", Integer, nullable=False),
    Column("lost", Integer, nullable=False),
)

predictive_counts = Table(
    "predictive_counts",
    metadata,
    Column("sales_line_id", String(64), primary_key=True),
    Column("feature_value", String(300), primary_key=True),  # "feature=value"
    Column("won", Integer, nullable=False),
    Column("lost", Integer, nullable=False),
)

lead_outcomes = Table(
    "lead_outcomes",
    metadata,
    Column("lead_id", String(32), primary_key=True),
    Column("sales_line_id", String(64), nullable=False),
    Column("features", Document, nullable=False),
    Column("won", Boolean, nullable=False),
)

# Background rescoring of a line (after a model change, and the decay sweep), walked in batches
# by the worker; ``generation`` grows when a newer model restarts the walk from the first lead.
rescore_jobs = Table(
    "rescore_jobs",
    metadata,
    Column("sales_line_id", String(64), primary_key=True),
    Column("generation", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("after_id", String(32), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("rescored", BigInteger, nullable=False),
)

outbox, inbox = messaging_tables(metadata)
access_version, access_scope = scope_tables(metadata)
