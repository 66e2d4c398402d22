"""reporting: read-model lag through the real worker and broker. Deals' events (five per deal,
bench.reporting_rebuild_bench's) are published at REPORTING_LAG_RATE events/s (default 500) for
REPORTING_LAG_SECONDS (default 20) to the broker of the run (CRM_TEST_AMQP_URL: its own vhost),
each stamped with the time it is published; the production reporting worker (worker_main,
nameko) stores and derives them on PostgreSQL. Lag = the event's ``recorded_at`` in the event
store (the worker's clock in the transaction that writes the read model) - its ``occurred_at``.
Target: p99 <= 1 s at 500 events/s.

    .venv/bin/python -m bench.reporting_lag_bench     (or: -m bench.run reporting_lag)
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import pika
from sqlalchemy import text

from bench.broker import queues_removed_afterwards, wait_until
from bench.reporting_rebuild_bench import deal_events, pipeline_event
from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine
from crm_chassis.events import encode, headers_for
from crm_chassis.messaging.broker_users import broker_user, provision_once
from crm_chassis.messaging.topology import dead_letter_queue
from crm_testkit import (
    AMQP_URL,
    amqp_channel,
    free_port,
    service_amqp_url,
    temporary_postgres_database,
)
from crm_testkit.messaging import consumer_count, service_worker
from crm_testkit.pytest_broker import vhost_of

RATE = int(os.environ.get("REPORTING_LAG_RATE", "500"))
SECONDS = int(os.environ.get("REPORTING_LAG_SECONDS", "20"))
TARGET_P99_S = 1.0
MANIFEST = manifests.load(
    Path(__file__).resolve().parent.parent / "services" / "reporting" / "service.toml"
)
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
ALL_QUEUES = QUEUES + [dead_letter_queue(queue) for queue in QUEUES]


def _publish_paced(messages: list, rate: int) -> float:
    """Publishes ``messages`` at ``rate`` a second, each stamped with its publishing time, as
    deals' relay does; returns the achieved rate."""
    provision_once(vhost_of(AMQP_URL))
    connection, channel = amqp_channel(service_amqp_url("deals"))
    started = time.perf_counter()
    try:
        channel.confirm_delivery()
        for index, message in enumerate(messages):
            wait = started + index / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            message.meta.occurred_at.FromDatetime(dt.datetime.now(dt.UTC))
            event_type = message.meta.event_type
            channel.basic_publish(
                "deals.events",
                event_type,
                encode(message).encode(),
                properties=pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    headers=headers_for(message.meta),
                    message_id=message.meta.event_id,
                    type=event_type,
                    user_id=broker_user("deals"),
                ),
                mandatory=True,
            )
    finally:
        connection.close()
    return len(messages) / (time.perf_counter() - started)


def _stored(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM event_store")).scalar_one()


def run() -> dict:
    from crm_reporting import migrate

    deals = RATE * SECONDS // 5
    with (
        queues_removed_afterwards(ALL_QUEUES),
        temporary_postgres_database("reporting_lag_bench") as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        migrate.upgrade(url)
        engine = make_engine(url, pool_size=2)
        env = dict(
            CRM_REPORTING_DATABASE_URL=url,
            CRM_REPORTING_AMQP_URL=AMQP_URL,
            CRM_REPORTING_METRICS_PORT=str(free_port()),
            CRM_REPORTING_LOG_LEVEL="WARNING",
        )
        log_path = Path(folder) / "worker.log"
        try:
            with service_worker("reporting", env, log_path):
                wait_until(
                    lambda: all(consumer_count(queue) for queue in QUEUES),
                    60,
                    "the worker did not consume its queues",
                )
                messages = [pipeline_event()]
                for i in range(deals):
                    messages.extend(deal_events(i))
                achieved = _publish_paced(messages, RATE)
                try:
                    wait_until(lambda: _stored(engine) >= len(messages), 120, "not every event")
                except RuntimeError as exc:
                    raise RuntimeError(
                        f"{exc}; stored {_stored(engine)}; log:\n{log_path.read_text()[-3000:]}"
                    ) from None
            with engine.connect() as connection:
                lags = sorted(
                    float(lag)
                    for (lag,) in connection.execute(
                        text(
                            "SELECT extract(epoch FROM recorded_at - occurred_at) FROM event_store"
                        )
                    )
                )
        finally:
            engine.dispose()
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    return {
        "title": f"reporting: read-model lag at {RATE} events/s through the worker and broker",
        "rows": [
            ("events published", len(messages), "", f"{achieved:.0f} events/s achieved"),
            ("lag median", round(statistics.median(lags) * 1000, 1), "ms", ""),
            ("lag p99", round(p99 * 1000, 1), "ms", ""),
            ("lag max", round(lags[-1] * 1000, 1), "ms", ""),
        ],
        "checks": [(f"lag p99 <= {TARGET_P99_S:.0f} s at {RATE} events/s", p99 <= TARGET_P99_S)],
    }


if __name__ == "__main__":
    print(run())
