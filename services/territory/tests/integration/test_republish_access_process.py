"""The republish command on PostgreSQL: every known person's scopes land in the outbox again."""

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import func, select

from crm_territory.adapters import orm

pytestmark = pytest.mark.integration


def test_republish_writes_a_snapshot_per_person_to_the_outbox(database_url, engine, org):
    org.person(f"republish-{uuid.uuid4().hex[:8]}")
    with engine.connect() as conn:
        people = conn.execute(select(func.count()).select_from(orm.people)).scalar_one()
        before = conn.execute(
            select(func.count())
            .select_from(orm.outbox)
            .where(orm.outbox.c.event_type == "user_access_changed")
        ).scalar_one()
    assert people > 0
    done = subprocess.run(
        [sys.executable, "-m", "crm_territory.entrypoints.republish_access"],
        env={
            **os.environ,
            "CRM_TERRITORY_DATABASE_URL": database_url,
            "CRM_TERRITORY_LOG_LEVEL": "WARNING",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"republished the scopes of {people} people" in done.stdout
    with engine.connect() as conn:
        after = conn.execute(
            select(func.count())
            .select_from(orm.outbox)
            .where(orm.outbox.c.event_type == "user_access_changed")
        ).scalar_one()
    assert after - before == people
