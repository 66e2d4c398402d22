"""deals' tables (SQLAlchemy Core), plus the chassis outbox and inbox, in one MetaData.

Every aggregate table holds the record whole as a JSON document (``body``, see records.py) and,
as real columns, what it is looked up, filtered, sorted or locked by; the repository writes both
from the record on every save, so they cannot disagree. ``version`` is the optimistic-concurrency
guard. Money that is filtered or summed elsewhere stays in the document as exact decimal strings.
Portable between SQLite (make run) and PostgreSQL. migrations/versions/ create exactly these
tables (tests/integration/test_migrations.py compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox import messaging_tables
from crm_chassis.scopes import scope_tables

metadata = MetaData()
ID = 64  # ids of deals (uuid4) and of other services' records (teams, users, lines)


def _record(name: str, *columns, indexes: tuple[tuple[str, ...], ...] = ()) -> Table:
    table = Table(
        name,
        metadata,
        Column("id", String(ID), primary_key=True),
        *columns,
        Column("created_at", UtcDateTime(), nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("body", Text, nullable=False),
    )
    for cols in indexes:
        Index(f"ix_{name}_{'_'.join(cols)}", *(table.c[c] for c in cols))
    return table


accounts = _record(
    "accounts",
    Column("team_id", String(ID), nullable=False),
    Column("owner_user_id", String(ID), nullable=False),
    Column("relationship", String(16), nullable=False),
    Column("name", String(300), nullable=False),
    Column("last_won_at", UtcDateTime()),
    # The account above it in its hierarchy (migration 0007_line_workflows); NULL = top level.
    Column("parent_account_id", String(ID)),
    # Duplicate keys and the survivor of a merge (migration 0011_duplicate_keys,
    # domain/duplicates.py); NULL = none.
    Column("match_name", String(300)),
    Column("match_domain", String(300)),
    Column("match_phone", String(40)),
    Column("merged_into_id", String(ID)),
    indexes=(
        ("team_id", "created_at", "id"),
        ("relationship", "last_won_at"),
        ("parent_account_id",),
        ("team_id", "match_name"),
        ("team_id", "match_domain"),
        ("team_id", "match_phone"),
    ),
)

contacts = _record(
    "contacts",
    Column("team_id", String(ID), nullable=False),
    Column("account_id", String(ID), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("match_email", String(300)),
    Column("match_phone", String(40)),
    Column("match_name", String(400)),
    Column("merged_into_id", String(ID)),
    indexes=(
        ("team_id", "created_at", "id"),
        ("account_id",),
        ("team_id", "match_email"),
        ("team_id", "match_phone"),
        ("team_id", "match_name"),
    ),
)

# A line has one default pipeline (``default_for_line`` = its line id, unique; NULL for the
# others, which its territories or the line may name). Migration 0010_territory_pipelines.
pipelines = _record(
    "pipelines",
    Column("sales_line_id", String(ID), nullable=False),
    Column("default_for_line", String(ID), unique=True),
    indexes=(("sales_line_id",),),
)

# Insert-only: every version of every pipeline, read by deals closed long ago.
pipeline_versions = Table(
    "pipeline_versions",
    metadata,
    Column("pipeline_id", String(ID), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("body", Text, nullable=False),
)

opportunities = _record(
    "opportunities",
    Column("team_id", String(ID), nullable=False),
    Column("account_id", String(ID), nullable=False),
    Column("sales_line_id", String(ID), nullable=False),
    Column("pipeline_id", String(ID), nullable=False),
    Column("stage_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owner_user_id", String(ID), nullable=False),
    indexes=(
        ("team_id", "created_at", "id"),
        ("account_id",),
        ("pipeline_id", "status"),
        ("team_id", "status", "owner_user_id"),
        ("status", "created_at", "id"),
    ),
)

activities = _record(
    "activities",
    Column("team_id", String(ID), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    # Tasks' columns (migration 0005_tasks_notifications): ListMyTasks and the reminder timer.
    Column("owner_user_id", String(ID)),
    Column("due_at", UtcDateTime()),
    Column("done_at", UtcDateTime()),
    Column("reminded_for", UtcDateTime()),
    indexes=(("target_type", "target_id", "occurred_at"), ("kind", "due_at")),
)

automation_rules = _record(
    "automation_rules",
    Column("pipeline_id", String(ID), nullable=False),
    indexes=(("pipeline_id",),),
)

# A stalled episode fires each rule once: the key is the claim.
automation_firings = Table(
    "automation_firings",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
)

# One row per automation command (its idempotency key). ``command_type``/``command`` keep the
# command as received so the retry timer can send it again without the broker; ``lease_until``
# stops two worker replicas from sending the same delivery at the same time.
deliveries = Table(
    "deliveries",
    metadata,
    Column("idempotency_key", String(400), primary_key=True),
    Column("rule_id", String(ID), nullable=False),
    Column("deal_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("lease_until", UtcDateTime()),
    Column("command_type", String(100)),
    Column("command", LargeBinary),
    Column("message_id", String(100)),
)
Index("ix_deliveries_rule_created", deliveries.c.rule_id, deliveries.c.created_at)
Index("ix_deliveries_state_next", deliveries.c.state, deliveries.c.next_attempt_at)
# A deal's customer e-mails and their states (migration 0006_customer_emails).
Index("ix_deliveries_deal_kind", deliveries.c.deal_id, deliveries.c.kind)
# The e-mail a bounce names by its Message-ID (migration 0012_email_bounces).
Index("ix_deliveries_message_id", deliveries.c.message_id)

# Addresses that bounced hard: no customer e-mail goes to them until cleared (0012_email_bounces).
bounced_addresses = Table(
    "bounced_addresses",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("idempotency_key", String(400), nullable=False),
    Column("bounced_at", UtcDateTime(), nullable=False),
)

# Customer e-mail templates per pipeline stage and language (migration 0006_customer_emails).
customer_email_templates = _record(
    "customer_email_templates",
    Column("pipeline_id", String(ID), nullable=False),
    Column("stage_key", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    indexes=(("pipeline_id", "stage_key"),),
)

quotes = _record(
    "quotes",
    Column("team_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    indexes=(("opportunity_id",),),
)

orders = _record(
    "orders",
    Column("team_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    Column("quote_id", String(ID), nullable=False),
    indexes=(("opportunity_id",), ("quote_id",)),
)

invoices = _record(
    "invoices",
    Column("team_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    Column("order_id", String(ID), nullable=False),
    # NULL until issued; unique: the safety net under the gap-free sequence.
    Column("number", String(32), unique=True),
    # draft, issued, paid or cancelled: ListInvoices' status filter (migration 0014_invoice_status)
    Column("status", String(16), nullable=False),
    # issued with payments short of the total: ListInvoices' partly_paid filter (migration
    # 0015_invoice_partly_paid); within (team_id, status, ...) of the issued ones
    Column("partly_paid", Boolean, nullable=False, server_default=false()),
    # (team_id, created_at, id): ListInvoices (migration 0011_duplicate_keys); with the status:
    # ListInvoices filtered by it (0014_invoice_status)
    indexes=(
        ("opportunity_id",),
        ("order_id",),
        ("team_id", "created_at", "id"),
        ("team_id", "status", "created_at", "id"),
    ),
)

# The per-year counter of invoice numbers (see invoice_numbers.py).
invoice_sequences = Table(
    "invoice_sequences",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", BigInteger, nullable=False),
)

# Append-only: the repository only inserts; production grants no UPDATE/DELETE on it.
history = Table(
    "history",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("record_type", String(32), nullable=False),
    Column("record_id", String(ID), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_history_record", history.c.record_type, history.c.record_id, history.c.seq)

conversions = Table(
    "conversions",
    metadata,
    Column("conversion_id", String(ID), primary_key=True),
    Column("lead_id", String(ID), nullable=False),
    Column("account_id", String(ID), nullable=False),
    Column("contact_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

# Migration import: (kind, external id) -> the record imported for it (re-runs add nothing).
import_keys = Table(
    "import_keys",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("record_id", String(ID), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
)

# deals' copy of identity's users, for the addresses of automation e-mails (user_* events).
user_addresses = Table(
    "user_addresses",
    metadata,
    Column("user_id", String(ID), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("active", Integer, nullable=False),
    Column("version", BigInteger, nullable=False),
)

# deals' copy of territory's sales lines (sales_line_changed events; see domain/sales_lines.py).
# Created by migration 0003_sales_lines.
sales_lines = Table(
    "sales_lines",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("workflow", String(16), nullable=False),
    Column("active", Integer, nullable=False),
    Column("version", BigInteger, nullable=False),
    # Migration 0010_territory_pipelines: the pipeline the line names ("" = its default one).
    Column("pipeline_id", String(ID), nullable=False, server_default=""),
)

# deals' copy of territories' pipeline choice (territory_rules_changed events; see
# domain/sales_lines.py). Created by migration 0010_territory_pipelines.
territory_pipelines = Table(
    "territory_pipelines",
    metadata,
    Column("territory_id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sales_line_id", String(ID), nullable=False),
    Column("team_id", String(ID), nullable=False),
    Column("pipeline_id", String(ID), nullable=False),
    Column("active", Integer, nullable=False),
    Column("version", BigInteger, nullable=False),
    Index("ix_territory_pipelines_sales_line_id_team_id", "sales_line_id", "team_id"),
)

# In-app notifications (automations, reminders, assignments, hand-overs, transfers, mentions):
# one row per recipient and command; read through NotificationService.
notifications = Table(
    "notifications",
    metadata,
    Column("idempotency_key", String(400), primary_key=True),
    Column("user_id", String(ID), primary_key=True),
    Column("deal_id", String(ID), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
    # What caused it (an automation, a reminder, an assignment, ...) and the type of the record
    # ``deal_id`` names (migration 0005_tasks_notifications).
    Column("kind", String(32), nullable=False, server_default="automation"),
    Column("record_type", String(32), nullable=False, server_default="opportunity"),
    # The record's team when written: what a lead's reminder is visible by (deals keeps no
    # leads; migration 0013_notification_teams).
    Column("team_id", String(ID)),
)
Index("ix_notifications_user", notifications.c.user_id, notifications.c.created_at)

# Line workflows (migration 0007_line_workflows): the contracts of contract lines' deals and the
# pro-forma invoices of pro-forma lines' deals. ``renewal_due_on`` and ``renewal_opportunity_id``
# are what the renewal timer selects by.
contracts = _record(
    "contracts",
    Column("team_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    Column("status", String(16), nullable=False),
    Column("renewal_due_on", Date(), nullable=False),
    Column("renewal_opportunity_id", String(ID), nullable=False),
    indexes=(("opportunity_id",), ("status", "renewal_due_on")),
)

proformas = _record(
    "proformas",
    Column("team_id", String(ID), nullable=False),
    Column("opportunity_id", String(ID), nullable=False),
    Column("quote_id", String(ID), nullable=False),
    Column("number", String(40), nullable=False, unique=True),
    indexes=(("opportunity_id",),),
)

outbox, inbox = messaging_tables(metadata)
# The local replica of territory's access scopes (crm_chassis.scopes), written by the worker.
access_version, access_scope = scope_tables(metadata)

# Personal data (migration 0009_privacy): the erasure requests deals coordinates (the audit
# record; the person appears masked and as a fingerprint only) and contacts' consent records.
privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_privacy_requests_requested_at", "requested_at"),
)

consents = Table(
    "consents",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("contact_id", String(ID), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_consents_contact", "contact_id", "seq"),
)
