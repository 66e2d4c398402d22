"""The backfill on PostgreSQL: every lead lands in the outbox as a lead_snapshot row at the lead's
version, page after page, without locking the leads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from crm_chassis.caller import Caller
from crm_leads.service_layer import snapshots

pytestmark = pytest.mark.integration

MANAGEMENT = Caller("meg", departments=frozenset({"management"}))


def test_every_lead_is_written_to_the_outbox_at_its_version(h, deps, engine):
    captured = [h.capture(deps).lead for _ in range(3)]
    with engine.begin() as connection:
        start = connection.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()
    cursor, calls = "", 0
    while True:
        page = snapshots.publish_snapshots(
            deps, MANAGEMENT, kind="leads", page_size=2, cursor=cursor
        )
        calls += 1
        cursor = page.next_cursor
        if not cursor:
            break
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT aggregate_id, aggregate_version, payload FROM outbox "
                "WHERE id > :start AND event_type = 'lead_snapshot'"
            ),
            {"start": start},
        ).all()
        stored = dict(connection.execute(text("SELECT id, version FROM leads")).all())
    published = {row.aggregate_id: row for row in rows}
    assert set(published) == set(stored), "every lead of the database, once"
    assert calls == -(-len(stored) // 2), "pages of two, the last one without a cursor"
    for lead in captured:
        row = published[lead.id]
        assert row.aggregate_version == stored[lead.id]
        assert json.loads(row.payload)["lead"]["id"] == lead.id
