"""``leads_capture_new``: the common capture (a new idempotency key, no duplicate) as one
server-side function, so a CreateLead is one round trip to PostgreSQL (called in autocommit,
the function's transaction commits before the call answers). adapters/capture_new.py calls it.

Revision ID: 0004_capture_function
Revises: 0003_lead_interactions
"""
from __future__ import annotations

from alembic import op

revision = "0004_capture_function"
down_revision = "0003_lead_interactions"
branch_labels = None
depends_on = None

# The advisory locks come first, as a statement of their own: each later statement of a
# (volatile) function takes a new snapshot, so a capture that waited for a lock sees what the
# capture holding it committed. The duplicate conditions repeat the partial unique indexes'
# predicate verbatim so the planner uses them. The rows arrive as JSON arrays of column ->
# value (jsonb_populate_recordset gives every column the table's type); outbox ids come from
# their sequence in the array's order, which is the publish order.
CREATE = """
CREATE OR REPLACE FUNCTION leads_capture_new(
    p_locks bigint[], p_caller_id text, p_key text,
    p_email text, p_phone text, p_company_person text,
    p_leads jsonb, p_history jsonb, p_outbox jsonb, p_keys jsonb
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM unnest(p_locks) AS k;
    IF EXISTS (SELECT 1 FROM lead_idempotency_keys WHERE caller_id = p_caller_id AND key = p_key)
        OR EXISTS (SELECT 1 FROM leads WHERE status IN ('new', 'working', 'qualified', 'disqualified')
                   AND duplicate_email = p_email)
        OR EXISTS (SELECT 1 FROM leads WHERE status IN ('new', 'working', 'qualified', 'disqualified')
                   AND duplicate_phone = p_phone)
        OR EXISTS (SELECT 1 FROM leads WHERE status IN ('new', 'working', 'qualified', 'disqualified')
                   AND duplicate_company_person = p_company_person)
    THEN
        RETURN false;
    END IF;
    INSERT INTO leads SELECT * FROM jsonb_populate_recordset(NULL::leads, p_leads);
    INSERT INTO lead_history SELECT * FROM jsonb_populate_recordset(NULL::lead_history, p_history);
    INSERT INTO outbox (event_id, event_type, exchange, aggregate_type, aggregate_id,
                        aggregate_version, payload, headers, occurred_at)
        SELECT r.event_id, r.event_type, r.exchange, r.aggregate_type, r.aggregate_id,
               r.aggregate_version, r.payload, r.headers, r.occurred_at
        FROM jsonb_populate_recordset(NULL::outbox, p_outbox) WITH ORDINALITY AS r
        ORDER BY r.ordinality;
    INSERT INTO lead_idempotency_keys
        SELECT * FROM jsonb_populate_recordset(NULL::lead_idempotency_keys, p_keys);
    RETURN true;
END
$$
"""
DROP = (
    "DROP FUNCTION IF EXISTS leads_capture_new(bigint[], text, text, text, text, text, "
    "jsonb, jsonb, jsonb, jsonb)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP)
