"""A row whose publish breaks the broker connection is quarantined; nothing else waits for it
except the subsequent events of its own aggregate, which follow in order once it is retried.

Integration (real PostgreSQL and RabbitMQ, the broker keeps running): the poison row names an
exchange that does not exist, so the broker closes the channel at that publish.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from crm_chassis.outbox import console

pytestmark = pytest.mark.integration


def test_a_connection_breaking_row_is_quarantined_and_retried_without_blocking_others(
    bed_factory, monkeypatch, capsys
):
    bed = bed_factory()
    outbox = bed.producer_tables.tables["outbox"]
    poison = bed.write_events(1, name="poison")[0]  # aggregate agg-0
    with bed.producer_engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.event_id == poison)
            .values(exchange="no-such-exchange.events")
        )
    others = bed.write_events(20, aggregates=10)  # agg-0 .. agg-9, two each
    same_aggregate = others[0::10]  # agg-0's two
    bed.start_worker()
    bed.wait_worker_ready()
    bed.start_relay(CRM_OUTBOX_MAX_ATTEMPTS="3")

    bed.wait_for(lambda: bed.outbox_statuses().get("quarantined") == 1, 60, "poison quarantined")
    bed.wait_rows("received", 18, timeout=60)
    received = {row["event_id"] for row in bed.received()}
    assert received == set(others) - set(same_aggregate)  # every other aggregate flowed
    assert bed.outbox_statuses() == {"sent": 18, "quarantined": 1, "pending": 2}

    # The operator fixes the cause and retries: the row, then its aggregate, go out in order.
    with bed.producer_engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.event_id == poison)
            .values(exchange=f"{bed.producer}.events")
        )
    monkeypatch.setenv(
        f"CRM_{bed.producer.upper()}_DATABASE_URL",
        str(bed.env[f"CRM_{bed.producer.upper()}_DATABASE_URL"]),
    )
    assert console.main(["retry", "--service", bed.producer]) == 0
    assert "1 row(s)" in capsys.readouterr().out
    bed.wait_rows("received", 21, timeout=60)
    bed.wait_for(lambda: bed.outbox_statuses() == {"sent": 21}, 30, "all rows sent")
    order = [
        row["event_id"] for row in bed.received() if row["event_id"] in {poison, *same_aggregate}
    ]
    assert order == [poison, *same_aggregate]
