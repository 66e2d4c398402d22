"""leads' first schema: leads (one wide row, see crm_leads/adapters/orm.py), history,
activities, idempotency keys, campaigns, scoring models, predictive counts and outcomes, the
chassis outbox/inbox and the access replica, and the search indexes of docs/services/leads.md.

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import create_messaging_tables
from crm_chassis.scopes import create_scope_tables

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TAKING_PART = "status IN ('new', 'working', 'qualified', 'disqualified')"
PENDING_CONVERSION = "conversion_state IN ('requested', 'converting', 'failed_retrying')"
TABLES = ("leads", "lead_history", "lead_activities", "lead_idempotency_keys", "campaigns",
          "scoring_models", "predictive_models", "predictive_counts", "lead_outcomes",
          "rescore_jobs")


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disqualification_reason", sa.String(32)),
        sa.Column("status_note", sa.Text, nullable=False, server_default=''),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False, server_default=''),
        sa.Column("last_name", sa.String(200), nullable=False, server_default=''),
        sa.Column("title", sa.String(200), nullable=False, server_default=''),
        sa.Column("email", sa.String(254), nullable=False, server_default=''),
        sa.Column("phone", sa.String(32), nullable=False, server_default=''),
        sa.Column("company_name", sa.String(300), nullable=False, server_default=''),
        sa.Column("industry", sa.String(100), nullable=False, server_default=''),
        sa.Column("company_size", sa.String(16)),
        sa.Column("revenue_amount", sa.String(40)),
        sa.Column("revenue_currency", sa.String(3)),
        sa.Column("website", sa.String(500), nullable=False, server_default=''),
        sa.Column("country", sa.String(2), nullable=False, server_default=''),
        sa.Column("region", sa.String(200), nullable=False, server_default=''),
        sa.Column("city", sa.String(200), nullable=False, server_default=''),
        sa.Column("postal_code", sa.String(32), nullable=False, server_default=''),
        sa.Column("channel", sa.String(32)),
        sa.Column("campaign_id", sa.String(64), nullable=False, server_default=''),
        sa.Column("sales_line_id", sa.String(64), nullable=False, server_default=''),
        sa.Column("product_interest", DOCUMENT, nullable=False),
        sa.Column("consent_email_marketing", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("consent_phone_contact", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("consent_data_processing", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("consent_captured_at", UtcDateTime()),
        sa.Column("custom_attributes", DOCUMENT, nullable=False),
        sa.Column("team_id", sa.String(64)),
        sa.Column("owner_user_id", sa.String(64)),
        sa.Column("queue_team_id", sa.String(64)),
        sa.Column("scope_team_id", sa.String(64)),
        sa.Column("assignment_method", sa.String(16), nullable=False, server_default=''),
        sa.Column("assignment_explanation", sa.Text, nullable=False, server_default=''),
        sa.Column("assigned_at", UtcDateTime()),
        sa.Column("routing_decision_id", sa.String(64), nullable=False, server_default=''),
        sa.Column("routing_decided_at", UtcDateTime()),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("grade", sa.String(1)),
        sa.Column("score_document", DOCUMENT),
        sa.Column("conversion_id", sa.String(64)),
        sa.Column("conversion_state", sa.String(16)),
        sa.Column("conversion_next_attempt_at", UtcDateTime()),
        sa.Column("conversion_document", DOCUMENT),
        sa.Column("merged_into", sa.String(32), nullable=False, server_default=''),
        sa.Column("merged_lead_ids", DOCUMENT, nullable=False),
        sa.Column("duplicate_email", sa.String(254)),
        sa.Column("duplicate_phone", sa.String(32)),
        sa.Column("duplicate_company_person", sa.String(600)),
        sa.Column("search_text", sa.Text, nullable=False, server_default=''),
    )
    op.create_table(
        "lead_history",
        sa.Column("lead_id", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", DOCUMENT, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "lead_activities",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("lead_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("details", DOCUMENT, nullable=False),
    )
    op.create_index("ix_lead_activities_lead_time", "lead_activities", ['lead_id', 'occurred_at'])
    op.create_table(
        "lead_idempotency_keys",
        sa.Column("caller_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("lead_id", sa.String(32), nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("ends_on", sa.String(10)),
        sa.Column("cost_amount", sa.String(40), nullable=False),
        sa.Column("cost_currency", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint('name_key', name="uq_campaigns_name_key"),
    )
    op.create_table(
        "scoring_models",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UtcDateTime()),
        sa.Column("document", DOCUMENT, nullable=False),
    )
    op.create_table(
        "predictive_models",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("won", sa.Integer, nullable=False),
        sa.Column("lost", sa.Integer, nullable=False),
    )
    op.create_table(
        "predictive_counts",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("feature_value", sa.String(300), primary_key=True),
        sa.Column("won", sa.Integer, nullable=False),
        sa.Column("lost", sa.Integer, nullable=False),
    )
    op.create_table(
        "lead_outcomes",
        sa.Column("lead_id", sa.String(32), primary_key=True),
        sa.Column("sales_line_id", sa.String(64), nullable=False),
        sa.Column("features", DOCUMENT, nullable=False),
        sa.Column("won", sa.Boolean, nullable=False),
    )
    op.create_table(
        "rescore_jobs",
        sa.Column("sales_line_id", sa.String(64), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("after_id", sa.String(32), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("rescored", sa.BigInteger, nullable=False),
    )
    create_lead_indexes(op.get_bind().dialect.name == "postgresql")
    create_messaging_tables(op)
    create_scope_tables(op)


def _partial(where: str) -> dict:
    return {"postgresql_where": sa.text(where), "sqlite_where": sa.text(where)}


# Every column a search filters on, carried in the per-team sort indexes on PostgreSQL: a
# search branch (one team, one sort order) is then an index-only scan that applies every filter
# but custom attributes to index tuples and stops after n+1 matches; its worst case (a rare
# filter) reads the team's index range once, never the table (docs/services/leads.md).
SEARCH_COLUMNS = ("status", "team_id", "owner_user_id", "grade", "score", "country", "industry",
                  "company_size", "channel", "campaign_id", "sales_line_id", "created_at",
                  "updated_at", "search_text")


def create_lead_indexes(postgres: bool) -> None:
    """Every list is "per scope team, in sort order" (the scope is a short list of teams): one
    short range scan per team, merged (adapters/search_sql.py). Btree indexes scan both ways,
    so one index serves ascending and descending order."""
    index = op.create_index
    for name, sort in (("score", "score"), ("created", "created_at"),
                       ("updated", "updated_at")):
        covered = [column for column in SEARCH_COLUMNS if column != sort]
        index(f"ix_leads_scope_{name}", "leads", ["scope_team_id", sort, "id"],
              postgresql_include=covered if postgres else None)
    # "My leads": one branch per owner instead of per team (search_sql.py).
    index("ix_leads_owner_score", "leads", ["owner_user_id", "score", "id"],
          postgresql_include=[c for c in SEARCH_COLUMNS if c != "score"] + ["scope_team_id"]
          if postgres else None)
    index("ix_leads_line_id", "leads", ["sales_line_id", "id"])
    index("uq_leads_conversion_id", "leads", ["conversion_id"], unique=True)
    index("ix_leads_conversion_due", "leads", ["conversion_next_attempt_at"],
          **_partial(PENDING_CONVERSION))
    # Duplicate keys are unique among the leads taking part in the duplicate check: two
    # captures of one person can never both create a lead.
    for key in ("email", "phone", "company_person"):
        index(f"uq_leads_duplicate_{key}", "leads", [f"duplicate_{key}"], unique=True,
              **_partial(f"duplicate_{key} IS NOT NULL AND {TAKING_PART}"))
    index("ix_leads_unassigned_queue", "leads", ["queue_team_id", "created_at", "id"],
          **_partial("team_id IS NULL"))
    if postgres:
        # A rare word: looked up here instead of filtering a whole team's index range. The
        # planner picks per branch by the word's statistics (a common word is filtered along
        # the sort index, stopping after n+1 matches).
        op.execute("CREATE INDEX ix_leads_search_text ON leads "
                   "USING gin (to_tsvector('simple'::regconfig, search_text))")
        # Custom attributes are not in the sort indexes: containment (@>) on a GIN.
        op.execute("CREATE INDEX ix_leads_custom_attributes ON leads "
                   "USING gin (custom_attributes jsonb_path_ops)")


def downgrade() -> None:
    for name in ("access_scope", "access_version", "inbox", "outbox") + TABLES[::-1]:
        op.drop_table(name)
