"""Automation rules are scoped to teams: disable every rule that names none.

A rule created before rules had a team scope fired for the deals of every team and could send
them to any webhook URL. It cannot be given teams automatically (nobody can tell which teams its
author meant, nor whether they manage them), so it is disabled, with the reason kept in the rule
(``disabled_reason``, returned by ListAutomationRules to administrators and the management
department) and the rule cannot be enabled again: a manager of the teams creates it anew naming
them. The rest of the rule (its sealed webhook secret included) is left as it was; its version
does not change (no person changed it). Downgrading leaves the rules disabled.

Revision ID: 0002_scope_automation_rules
Revises: 0001_initial
"""
import json

from alembic import op
import sqlalchemy as sa

revision = "0002_scope_automation_rules"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# As crm_deals.domain.automation.UNSCOPED_REASON at the time of this migration (a migration
# keeps its own copy: it must not change when the code does).
REASON = ("automation rules are scoped to teams and this rule names none, so it was disabled "
          "and cannot be enabled again; a manager of the teams it is for creates it anew naming "
          "them (team_ids)")

rules = sa.table("automation_rules", sa.column("id", sa.String), sa.column("body", sa.Text))


def upgrade() -> None:
    conn = op.get_bind()
    for rule_id, body in conn.execute(sa.select(rules.c.id, rules.c.body)).all():
        document = json.loads(body)
        if document.get("team_ids"):
            continue
        document.update(enabled=False, disabled_reason=REASON)
        conn.execute(rules.update().where(rules.c.id == rule_id).values(
            body=json.dumps(document, separators=(",", ":"), sort_keys=True)))


def downgrade() -> None:
    """Nothing to undo: a rule without teams stays disabled."""
