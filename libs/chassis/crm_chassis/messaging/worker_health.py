"""A worker's readiness: the checks of ``/healthz`` on its metrics endpoint.

A worker is ready only while it does its job: taking deliveries and committing their effects.

- ``broker``: every queue consumer of the process (one per nameko service, one per batch
  handler) has its broker connection up. False before the first connection, while the broker
  is unreachable and from the moment a connection is lost until the next one is set up.
- ``consuming``: every one of them has its AMQP consumers set up, so the worker consumes its
  queues. False while the worker starts, once it stops (SIGTERM) and when it has no handler.
- ``database`` (PostgreSQL only): a fresh connection answered ``SELECT 1`` at the last check,
  made every ``HEALTH_CHECK_SECONDS`` (as the api's gRPC health,
  :mod:`crm_chassis.grpc.db_health`). While it is False the handlers hold the deliveries they
  have (transient failures, ``crm_chassis.messaging.retry``), which fills their prefetch: the
  worker's consumers are paused until the database answers, and it resumes by itself.

Kubernetes' readiness probe asks ``/healthz``; liveness asks ``/metrics`` (the process answers),
so an outage takes the pod out of service without restarting a worker that recovers on its own.
"""

from __future__ import annotations

from typing import Any

from crm_chassis.grpc.db_health import DatabaseHealthWatcher
from crm_chassis.messaging.consumer import queue_consumers
from crm_chassis.metrics import register_health_check


def broker_connected() -> bool:
    consumers = queue_consumers()
    return bool(consumers) and all(consumer.connected for consumer in consumers)


def consuming() -> bool:
    consumers = queue_consumers()
    return bool(consumers) and all(consumer.consuming for consumer in consumers)


def register_worker_health(settings: Any, *, consumes: bool = True) -> DatabaseHealthWatcher | None:
    """Register the worker's checks; returns the database watcher (started), if any, for the
    caller to stop. ``consumes`` False: a worker of timers only (no subscription in its
    manifest, identity's) has no queue consumer, so the broker and consuming checks would never
    pass; it is ready on its database alone."""
    if consumes:
        register_health_check("broker", broker_connected)
        register_health_check("consuming", consuming)
    watcher = DatabaseHealthWatcher.for_settings(settings, gate=None)
    if watcher is None:
        return None
    watcher.check()
    watcher.start()
    register_health_check("database", lambda: watcher.reachable is True)
    return watcher
