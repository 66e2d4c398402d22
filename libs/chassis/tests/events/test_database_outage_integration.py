"""A database outage under a running worker dead-letters nothing: the handlers (one by one and
batch) hold their deliveries and retry with backoff, without counting deliveries, the worker
takes no new deliveries meanwhile, and once the database answers again every event is handled
exactly once by itself (no restart, nobody replays anything).

The outage is real for the worker: its database stops accepting connections and every
connection it holds is terminated (``ALLOW_CONNECTIONS false`` + ``pg_terminate_backend``), as
in a PostgreSQL restart or fail-over."""

from __future__ import annotations

import pytest

from crm_chassis.messaging.topology import dead_letter_queue
from crm_testkit import database_down

pytestmark = pytest.mark.integration
PREFETCH = 10  # worker_main's max_workers: deliveries one handler holds unacknowledged


def test_a_database_outage_dead_letters_nothing_and_the_worker_resumes_by_itself(bed):
    bed.declare()
    bed.declare_batch_queue()
    bed.start_worker(EVT_BATCH="1")
    bed.wait_worker_ready()
    bed.start_relay()
    warm = bed.write_events(5)
    bed.wait_rows("received", 5)
    bed.consumer_engine.dispose()  # the test's own connections must not hold the database
    with database_down(bed.env[f"CRM_{bed.consumer.upper()}_DATABASE_URL"]):
        ids = bed.write_events(3 * PREFETCH)
        # Far more failed runs than the delivery limit (3) allows, and still nothing is dead.
        bed.wait_for(
            lambda: bed.metric("events_transient_retries_total") >= 4 * bed.max_deliveries,
            60,
            "the handlers did not retry the outage",
        )
        assert bed.queue_depth(dead_letter_queue(bed.queue)) == 0
        assert bed.queue_depth(dead_letter_queue(bed.batch_queue)) == 0
        # The one-by-one handler holds a full prefetch and takes nothing more.
        assert bed.queue_depth(bed.queue) >= 3 * PREFETCH - PREFETCH
        assert bed.metric("events_dead_lettered_total") == 0
        assert bed.metric("event_deliveries_held") > 0  # the worker says what it waits for
    bed.wait_for(
        lambda: (
            bed.count("received") >= len(warm) + len(ids)
            and bed.count("batched") >= len(warm) + len(ids)
        ),
        60,
        "the worker did not resume once the database answered",
    )
    assert sorted(r["event_id"] for r in bed.received()) == sorted(warm + ids)
    assert sorted(r["event_id"] for r in bed.rows("batched")) == sorted(warm + ids)
    assert bed.queue_depth(dead_letter_queue(bed.queue)) == 0
    assert bed.queue_depth(dead_letter_queue(bed.batch_queue)) == 0
    assert bed.metric("events_failed_total") == 0  # no delivery was counted as failed
    assert bed.metric("event_deliveries_held") == 0
