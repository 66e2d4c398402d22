"""Start-up steps shared by the process mains: logging, metrics port, a service's topology."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping

import pika
import pika.exceptions

from crm_chassis.manifest import ServiceManifest
from crm_chassis.messaging import retry
from crm_chassis.messaging.topology import (
    SourceExchangeMissing,
    Topology,
    TopologyConflict,
    TopologyForbidden,
    declare_exchanges,
    declare_service_topology,
    service_plan,
)
from crm_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)


def configure_process_logging(settings: ServiceSettings) -> None:
    from crm_chassis.logging import configure_logging

    configure_logging(settings)
    container_log = logging.getLogger("nameko.containers")
    if not any(isinstance(f, HeldFailureFilter) for f in container_log.filters):
        container_log.addFilter(HeldFailureFilter())


class HeldFailureFilter(logging.Filter):
    """Drops nameko's ERROR and traceback for a worker that failed on the infrastructure: the
    chassis holds that delivery and logs one warning saying so (handlers.py), so the error would
    report, once per retry (e.g. every backoff during a database outage or a reporting rebuild), a
    failure that loses nothing. Every other failure keeps nameko's record."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None and record.args and isinstance(record.args, tuple):
            exc = next((a for a in record.args if isinstance(a, BaseException)), None)
        return exc is None or not retry.is_transient(exc)


def metrics_port(
    settings: ServiceSettings,
    manifest: ServiceManifest,
    kind: str,
    env: Mapping[str, str] | None = None,
) -> int:
    """The manifest's port for this process kind, unless the environment sets metrics_port."""
    env = os.environ if env is None else env
    overridden = (
        f"CRM_{settings.service_name.upper()}_METRICS_PORT" in env or "CRM_METRICS_PORT" in env
    )
    return settings.metrics_port if overridden else manifest.processes.get(kind, 0)


def declare_with_retry(
    amqp_url: str,
    manifest: ServiceManifest,
    max_deliveries: int,
    *,
    exchanges_only: bool = False,
    wait_seconds: float = 300.0,
    stop: threading.Event | None = None,
    max_backoff: float = 5.0,
) -> Topology | None:
    """Declare one service's part of the topology with its broker user (``amqp_url``), waiting
    (capped backoff, up to ``wait_seconds``) for the broker and for the exchanges of the services
    it subscribes to (their own topology steps declare them). ``exchanges_only``: just its
    exchanges. None if stopped first; SystemExit on a conflict or when the wait runs out."""
    deadline = time.monotonic() + wait_seconds
    backoff = 0.0
    while stop is None or not stop.is_set():
        try:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        except pika.exceptions.ProbableAuthenticationError as exc:
            raise SystemExit(
                f"the broker refused {manifest.name}'s broker user ({exc!r}): check "
                f"CRM_{manifest.name.upper()}_AMQP_URL and that the user exists "
                "(make run creates it; deploy/ renders it)"
            ) from None
        except pika.exceptions.AMQPConnectionError as exc:
            waiting = f"broker unavailable ({exc!r})"
        else:
            try:
                if exchanges_only:
                    declare_exchanges(connection.channel(), manifest)
                    return service_plan(manifest, max_deliveries)
                return declare_service_topology(connection.channel(), manifest, max_deliveries)
            except (TopologyConflict, TopologyForbidden) as exc:
                log.error("broker topology of %s not declared: %s", manifest.name, exc)
                raise SystemExit(
                    f"broker topology of {manifest.name} not declared: {exc}"
                ) from None
            except SourceExchangeMissing as exc:
                waiting = (
                    f"an exchange {manifest.name} subscribes to is not declared yet "
                    f"({exc}); its service's topology step declares it"
                )
            finally:
                try:
                    connection.close()
                except pika.exceptions.AMQPError:
                    pass
        if time.monotonic() > deadline:
            raise SystemExit(
                f"topology of {manifest.name} not declared within {wait_seconds:.0f}s: {waiting}"
            )
        backoff = min(max_backoff, max(0.25, backoff * 2))
        log.warning("%s: %s; retry in %.2fs", manifest.name, waiting, backoff)
        if stop is not None:
            stop.wait(backoff)
        else:
            time.sleep(backoff)
    return None
