"""Fixtures of the reliability tests: an EventBed (crm_testkit.messaging) on fresh
PostgreSQL databases, with its broker objects deleted afterwards."""

from __future__ import annotations

import pytest

from crm_testkit import temporary_postgres_database
from crm_testkit.messaging import EventBed


@pytest.fixture
def bed_factory(tmp_path):
    beds = []

    def make(**options):
        producer = temporary_postgres_database("relp")
        consumer = temporary_postgres_database("relc")
        event_bed = EventBed(
            tmp_path / f"bed{len(beds)}", producer.__enter__(), consumer.__enter__(), **options
        )
        beds.append((event_bed, producer, consumer))
        return event_bed

    yield make
    for event_bed, producer, consumer in beds:
        try:
            event_bed.close()
        finally:
            producer.__exit__(None, None, None)
            consumer.__exit__(None, None, None)
