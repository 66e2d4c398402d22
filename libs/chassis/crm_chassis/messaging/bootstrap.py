"""Start-up steps shared by the relay and worker mains: logging, metrics port, topology."""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Iterable, Mapping

import pika
import pika.exceptions

from crm_chassis.manifest import ServiceManifest
from crm_chassis.messaging.topology import Topology, TopologyConflict, declare_topology
from crm_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)


def configure_process_logging(settings: ServiceSettings) -> None:
    from crm_chassis.logging import configure_logging
    configure_logging(settings)


def metrics_port(settings: ServiceSettings, manifest: ServiceManifest, kind: str,
                 env: Mapping[str, str] | None = None) -> int:
    """The manifest's port for this process kind, unless the environment sets metrics_port."""
    env = os.environ if env is None else env
    overridden = (f"CRM_{settings.service_name.upper()}_METRICS_PORT" in env
                  or "CRM_METRICS_PORT" in env)
    return settings.metrics_port if overridden else manifest.processes.get(kind, 0)


def declare_with_retry(amqp_url: str, manifests: Iterable[ServiceManifest], max_deliveries: int,
                       *, stop: threading.Event | None = None,
                       max_backoff: float = 5.0) -> Topology | None:
    """Declare the topology, waiting for the broker (capped backoff); None if stopped first."""
    manifests = list(manifests)
    backoff = 0.0
    while stop is None or not stop.is_set():
        try:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        except pika.exceptions.AMQPConnectionError as exc:
            backoff = min(max_backoff, max(0.25, backoff * 2))
            log.warning("broker unavailable for topology declaration (%r); retry in %.2fs",
                        exc, backoff)
            if stop is not None:
                stop.wait(backoff)
            else:
                time.sleep(backoff)
            continue
        try:
            return declare_topology(connection.channel(), manifests, max_deliveries)
        except TopologyConflict as exc:
            log.error("broker topology conflict: %s", exc)
            raise SystemExit(f"broker topology conflict: {exc}") from None
        finally:
            try:
                connection.close()
            except pika.exceptions.AMQPError:
                pass
    return None
