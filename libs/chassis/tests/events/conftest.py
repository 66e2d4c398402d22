"""Fixtures of the event-plumbing tests: an EventBed on fresh PostgreSQL databases."""

from __future__ import annotations

import pytest

from crm_testkit import temporary_postgres_database
from crm_testkit.messaging import EventBed


@pytest.fixture
def bed(tmp_path):
    with (
        temporary_postgres_database("evtp") as producer_db,
        temporary_postgres_database("evtc") as consumer_db,
    ):
        event_bed = EventBed(tmp_path, producer_db, consumer_db, max_deliveries=3)
        try:
            yield event_bed
        finally:
            event_bed.close()
