"""A busy worker stops on SIGTERM, every time: within the stop grace, exit code 0, and every
delivery it held either handled (acknowledged) or returned to its queue — nothing lost, nothing
applied twice. Rounds alternate a SIGTERM during start-up (handlers unregistering before the
queue consumer is ready: nameko's "re-send() an already-triggered event" race) with one while
deliveries are in flight.

``CRM_WORKER_STOP_ROUNDS`` sets the number of rounds (``make chaos-worker-stop`` runs 50)."""

from __future__ import annotations

import os
import subprocess

import pytest

from crm_chassis.messaging.topology import (
    consumer_of_queue,
    dead_letter_exchange,
    dead_letter_queue,
    queue_arguments,
)
from crm_testkit import amqp_channel, reserve_port, temporary_postgres_database
from crm_testkit.messaging import EVENT, EventBed

pytestmark = pytest.mark.integration

ROUNDS = int(os.environ.get("CRM_WORKER_STOP_ROUNDS", "4"))
STOP_WITHIN_SECONDS = 10


def _declare_busy_queues(bed) -> None:
    """As the topology Job would, before anything is published: events wait in them."""
    connection, channel = amqp_channel()
    try:
        for queue in bed.busy_queues:
            channel.queue_declare(
                queue=queue, durable=True, arguments=queue_arguments(queue, bed.max_deliveries)
            )
            channel.queue_bind(queue=queue, exchange=f"{bed.producer}.events", routing_key=EVENT)
            dlx = dead_letter_exchange(consumer_of_queue(queue))
            channel.exchange_declare(dlx, exchange_type="direct", durable=True)
            channel.queue_declare(queue=dead_letter_queue(queue), durable=True)
            channel.queue_bind(queue=dead_letter_queue(queue), exchange=dlx, routing_key=queue)
    finally:
        connection.close()


def _serving_metrics(bed) -> bool:
    try:
        bed.metrics_text()
        return True
    except OSError:
        return False


@pytest.fixture
def bed(tmp_path):
    # A delivery the broker takes back from a stopping worker counts as one on a quorum queue:
    # allow every round to take the same one back (the delivery limit is not under test here).
    with (
        temporary_postgres_database("evtp") as producer_db,
        temporary_postgres_database("evtc") as consumer_db,
    ):
        event_bed = EventBed(tmp_path, producer_db, consumer_db, max_deliveries=ROUNDS + 5)
        try:
            yield event_bed
        finally:
            event_bed.close()


def test_a_busy_worker_stops_on_sigterm_every_time_and_loses_nothing(bed):
    bed.declare()
    _declare_busy_queues(bed)
    bed.start_relay()
    total = 40 * ROUNDS + 200
    ids = bed.write_events(total, per_transaction=100)
    for round_ in range(ROUNDS):
        worker = bed.start_worker(EVT_BUSY="1")
        # Past its imports (metrics are served before the broker is touched), so the SIGTERM
        # reaches the worker's handler: while the handlers start, or once they consume.
        bed.wait_for(
            lambda: _serving_metrics(bed) or worker.poll() is not None,  # noqa: B023
            60,
            f"round {round_}: the worker did not start",
        )
        if round_ % 2:  # deliveries in flight: wait until this worker has handled some
            before = bed.count("busy")
            bed.wait_for(
                lambda: bed.count("busy") > before or worker.poll() is not None,  # noqa: B023
                60,
                f"round {round_}: the worker handled nothing",
            )
        worker.terminate()
        try:
            code = worker.wait(STOP_WITHIN_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"round {round_}: the worker did not stop within "
                f"{STOP_WITHIN_SECONDS}s of SIGTERM\n{bed.logs()}"
            ) from None
        assert code == 0, f"round {round_}: exit code {code}\n{bed.logs()}"
    worker = bed.start_worker(EVT_BUSY="1")
    bed.wait_for(lambda: bed.count("busy") >= 2 * total, 120, "events lost across the stops")
    assert sorted(r["event_id"] for r in bed.rows("busy") if r["handler"] == "one") == sorted(ids)
    assert sorted(r["event_id"] for r in bed.rows("busy") if r["handler"] == "many") == sorted(ids)
    assert bed.stop(worker) == 0
    for queue in bed.busy_queues:
        assert bed.queue_depth(queue) == 0
        assert bed.queue_depth(dead_letter_queue(queue)) == 0


WORKERS_AT_ONCE = 4


def test_busy_workers_stopped_together_each_stop_gracefully(bed):
    """A platform's processes are stopped together (a bed's close, a rollout): every worker
    finishes its stop itself, exit code 0 and no fallback (neither the runner's kill after the
    stop grace nor the process's alarm), while RabbitMQ closes all their connections at once."""
    bed.declare()
    _declare_busy_queues(bed)
    bed.start_relay()
    total = 2000
    ids = bed.write_events(total, per_transaction=100)
    reservations = [reserve_port() for _ in range(WORKERS_AT_ONCE)]
    try:
        workers = [
            bed.start_worker(EVT_BUSY="1", CRM_METRICS_PORT=str(reservation.port))
            for reservation in reservations
        ]
        for reservation in reservations:  # each consumes, with deliveries in flight
            bed.wait_for(
                lambda: _consuming(reservation.port),  # noqa: B023
                60,
                f"the worker with metrics on {reservation.port} did not consume",
            )
        before = bed.count("busy")
        bed.wait_for(lambda: bed.count("busy") > before + 50, 60, "the workers handled nothing")
        for worker in workers:
            worker.terminate()
        codes = []
        for worker in workers:
            try:
                codes.append(worker.wait(STOP_WITHIN_SECONDS))
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"a worker did not stop within {STOP_WITHIN_SECONDS}s\n{bed.logs()}"
                ) from None
    finally:
        for reservation in reservations:
            reservation.close()
    assert codes == [0] * WORKERS_AT_ONCE, f"exit codes {codes}\n{bed.logs()}"
    assert "did not stop within" not in bed.logs(), bed.logs()
    worker = bed.start_worker(EVT_BUSY="1")  # nothing lost: what was in flight comes back
    bed.wait_for(lambda: bed.count("busy") >= 2 * total, 120, "events lost across the stop")
    assert sorted(r["event_id"] for r in bed.rows("busy") if r["handler"] == "one") == sorted(ids)
    assert sorted(r["event_id"] for r in bed.rows("busy") if r["handler"] == "many") == sorted(ids)
    assert bed.stop(worker) == 0


def _consuming(port: int) -> bool:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())["checks"].get("consuming") is True
    except (OSError, ValueError):
        return False
