"""reporting: read-model lag through the real worker and broker. Deals' events (five per deal,
bench.reporting_rebuild_bench's) are published at REPORTING_LAG_RATE events/s (default 500) for
REPORTING_LAG_SECONDS (default 20) to the broker of the run (CRM_TEST_AMQP_URL: its own vhost),
each stamped with the time it is published (``occurred_at``, as deals' relay stamps the producer's
commit); the production reporting worker (worker_main, nameko) stores and derives them on
PostgreSQL.

Lag = the moment the event is visible in reporting's database (its event store row commits in
the transaction that writes the read models) - its ``occurred_at``. The bench sees it by polling
the event store every POLL_SECONDS from another connection (rows from the oldest sequence number
not seen yet below the newest seen, so rows of transactions that commit out of order, batches
of a hundred, are not missed; one unseen for HOLE_SECONDS is taken as never used); the
worker's own ``recorded_at`` (its clock inside that transaction, before the commit) is shown
beside it. Floor, in the same run: the same rate of messages through a bare queue of the same
broker to a consumer that only takes the time (no database), plus the poll's period. Target:
p99 <= 1 s at 500 events/s.

Costs beside the lag: the worker process's CPU (user + system, from /proc) and the database's
commits from the first publish to the last event visible, per event; and the statements and
consumer CPU per event in process, one event a transaction against the worker's batches
(bench.reporting_lag_costs, REPORTING_COSTS_DEALS deals).

    .venv/bin/python -m bench.reporting_lag_bench     (or: -m bench.run reporting_lag)
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import pika
from sqlalchemy import text

from bench.broker import queues_removed_afterwards, wait_until
from bench.reporting_lag_costs import DEALS as COSTS_DEALS
from bench.reporting_lag_costs import per_event_costs
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
POLL_SECONDS = 0.01
HOLE_SECONDS = 30  # a sequence number unseen this long after a later one is taken as never used
FLOOR_MESSAGES = 2 * RATE
DRAIN_S = 120  # the wait for every event after the last is published
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


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class _Visibility(threading.Thread):
    """Polls the event store and notes when each event is first visible (wall clock)."""

    def __init__(self, engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.seen = engine, {}
        self.stopped = threading.Event()

    def run(self) -> None:
        # Rows are read from the oldest hole (a sequence number below the newest seen row not
        # seen yet: its transaction, a batch of up to a hundred events, commits later) on.
        last, holes = 0, {}
        with self.engine.connect() as connection:
            while not self.stopped.is_set():
                rows = connection.execute(
                    text(
                        "SELECT seq, event_id, occurred_at FROM event_store WHERE seq > :since "
                        "ORDER BY seq"
                    ),
                    {"since": min(holes, default=last + 1) - 1},
                ).all()
                connection.rollback()  # a fresh snapshot at each poll
                now = time.time()
                for seq, event_id, occurred_at in rows:
                    if event_id not in self.seen:
                        self.seen[event_id] = now - occurred_at.timestamp()
                    holes.pop(seq, None)
                    holes.update((gap, now) for gap in range(last + 1, seq))
                    last = max(last, seq)
                holes = {seq: at for seq, at in holes.items() if now - at < HOLE_SECONDS}
                self.stopped.wait(POLL_SECONDS)


def _broker_floor(rate: int, count: int) -> list[float]:
    """Seconds from publishing to receipt of ``count`` messages published at ``rate`` a second
    through a bare queue (persistent, confirmed) to a consumer that does nothing else."""
    ready, lags = threading.Event(), []
    queue: list[str] = []

    def consume() -> None:
        connection, channel = amqp_channel(AMQP_URL)
        try:
            queue.append(channel.queue_declare("", exclusive=True).method.queue)
            ready.set()

            def received(ch, method, properties, body) -> None:
                lags.append(time.time() - float(body))
                if len(lags) >= count:
                    ch.stop_consuming()

            channel.basic_consume(queue[0], received, auto_ack=True)
            channel.start_consuming()
        finally:
            connection.close()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    ready.wait(60)
    connection, channel = amqp_channel(AMQP_URL)
    try:
        channel.confirm_delivery()
        started = time.perf_counter()
        for index in range(count):
            wait = started + index / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            channel.basic_publish(
                "",
                queue[0],
                repr(time.time()).encode(),
                properties=pika.BasicProperties(delivery_mode=2),
                mandatory=True,
            )
    finally:
        connection.close()
    consumer.join(60)
    return lags


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _commits(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()


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
            with service_worker("reporting", env, log_path) as worker:
                wait_until(
                    lambda: all(consumer_count(queue) for queue in QUEUES),
                    60,
                    "the worker did not consume its queues",
                )
                floor = _broker_floor(RATE, FLOOR_MESSAGES)
                messages = [pipeline_event()]
                for i in range(deals):
                    messages.extend(deal_events(i))
                visibility = _Visibility(engine)
                visibility.start()
                cpu_before, commits_before = _cpu_seconds(worker.pid), _commits(engine)
                published_at = time.time()
                try:
                    achieved = _publish_paced(messages, RATE)
                    published_at = time.time()
                    try:
                        wait_until(
                            lambda: len(visibility.seen) >= len(messages), DRAIN_S, "every event"
                        )
                    except RuntimeError:
                        if not visibility.seen:
                            raise RuntimeError(
                                f"no event visible; stored {_stored(engine)}; log:\n"
                                f"{log_path.read_text()[-3000:]}"
                            ) from None
                finally:
                    visibility.stopped.set()
                    visibility.join()
                    drained = time.time() - published_at
                    worker_cpu = _cpu_seconds(worker.pid) - cpu_before
                    commits = _commits(engine) - commits_before
            with engine.connect() as connection:
                in_transaction = [
                    float(lag)
                    for (lag,) in connection.execute(
                        text(
                            "SELECT extract(epoch FROM recorded_at - occurred_at) FROM event_store"
                        )
                    )
                ]
        finally:
            engine.dispose()
    costs = per_event_costs(
        [pipeline_event()] + [m for i in range(COSTS_DEALS) for m in deal_events(i)]
    )
    # An event not visible by the end of the wait counts as later than every visible one.
    unseen = len(messages) - len(visibility.seen)
    lags = sorted(visibility.seen.values()) + [float("inf")] * unseen
    p99 = _percentile(lags, 0.99)
    ms = 1000

    def shown(seconds: float) -> float | str:
        return round(seconds * ms, 1) if seconds != float("inf") else f"> {drained * ms:.0f}"

    return {
        "title": f"reporting: read-model lag at {RATE} events/s through the worker and broker",
        "rows": [
            ("events published", len(messages), "", f"{achieved:.0f} events/s achieved"),
            (
                "floor: bare queue p50 / p99",
                f"{statistics.median(floor) * ms:.1f} / {_percentile(floor, 0.99) * ms:.1f}",
                "ms",
                f"{len(floor)} messages at {RATE}/s, no database; the poll adds <= "
                f"{POLL_SECONDS * ms:.0f} ms",
            ),
            (
                "events visible",
                len(visibility.seen),
                "",
                f"{unseen} not visible {drained:.0f} s after the last was published"
                if unseen
                else f"all, {drained:.1f} s after the last was published",
            ),
            ("lag to visible median", shown(statistics.median(lags)), "ms", ""),
            ("lag to visible p99", shown(p99), "ms", ""),
            ("lag to visible max", shown(lags[-1]), "ms", ""),
            (
                "worker CPU per event",
                round(worker_cpu * ms / len(messages), 2),
                "ms",
                f"{worker_cpu:.1f} s of the worker process, first publish to last visible",
            ),
            (
                "database commits per event",
                round(commits / len(messages), 3),
                "",
                "every connection of the bench's database in that time",
            ),
            *[
                (
                    f"in process, {path}: statements / CPU per event",
                    f"{statements:.2f} / {cpu:.2f}",
                    "/ ms",
                    f"{1 + 5 * COSTS_DEALS} events, consumer side, no inbox",
                )
                for path, statements, cpu in costs
            ],
            ("load average at the end", round(os.getloadavg()[0], 1), "", "the shared machine"),
            (
                "recorded_at - occurred_at p50 / p99",
                f"{statistics.median(in_transaction) * ms:.1f} / "
                f"{_percentile(in_transaction, 0.99) * ms:.1f}",
                "ms",
                "the worker's clock inside the transaction, before its commit",
            ),
        ],
        "checks": [(f"lag p99 <= {TARGET_P99_S:.0f} s at {RATE} events/s", p99 <= TARGET_P99_S)],
    }


if __name__ == "__main__":
    print(run())
