"""Tasks and notifications get their own readers: ListMyTasks and the reminder timer query the
tasks' owner, due time, done time and the due time last reminded (columns copied from the
document of every existing task), and a notification says what caused it and what kind of
record it is about.

Revision ID: 0005_tasks_notifications
Revises: 0004_outbox_held
"""
import datetime as dt
import json

from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0005_tasks_notifications"
down_revision = "0004_outbox_held"
branch_labels = None
depends_on = None

activities = sa.table(
    "activities",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("body", sa.Text),
    sa.column("owner_user_id", sa.String),
    sa.column("due_at", UtcDateTime()),
    sa.column("done_at", UtcDateTime()),
)


def _time(value):
    return dt.datetime.fromisoformat(value) if value else None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("owner_user_id", sa.String(64)))
        batch.add_column(sa.Column("due_at", UtcDateTime()))
        batch.add_column(sa.Column("done_at", UtcDateTime()))
        batch.add_column(sa.Column("reminded_for", UtcDateTime()))
        batch.create_index("ix_activities_kind_due_at", ["kind", "due_at"])
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(32), nullable=False, server_default="automation")
        )
        batch.add_column(
            sa.Column("record_type", sa.String(32), nullable=False, server_default="opportunity")
        )
    conn = op.get_bind()
    rows = conn.execute(sa.select(activities.c.id, activities.c.body)).all()
    for activity_id, body in rows:
        document = json.loads(body)
        conn.execute(
            activities.update()
            .where(activities.c.id == activity_id)
            .values(
                owner_user_id=document.get("owner_user_id"),
                due_at=_time(document.get("due_at")),
                done_at=_time(document.get("done_at")),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("record_type")
        batch.drop_column("kind")
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_kind_due_at")
        batch.drop_column("reminded_for")
        batch.drop_column("done_at")
        batch.drop_column("due_at")
        batch.drop_column("owner_user_id")
