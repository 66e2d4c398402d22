"""When ``crm-dev run``'s processes are ready, so its table is printed only when they are.

A process is ready when:

- an api (it has a gRPC address): its standard gRPC health (``grpc.health.v1``, service "")
  answers SERVING. An api that verifies tokens stays NOT_SERVING until it holds identity's
  signing keys (``crm_chassis.grpc.server``), so SERVING also means "tokens are checked";
- a worker or relay (a metrics port, no gRPC): its metrics endpoint answers ``/healthz``
  (``crm_chassis.metrics.HEALTH_PATH``) with 200, or ``/metrics`` where ``/healthz`` is unknown;
- anything else: at once.

A process found ready is not asked again. The wait is bounded: a slow machine is not a failure,
so after ``timeout`` seconds the runner names the processes that are not ready and goes on.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from crm_chassis.grpc.healthcheck import serving
from crm_chassis.metrics import HEALTH_PATH
from crm_devrun.plan import ProcessSpec

READY_TIMEOUT_SECONDS = 90.0
FIRST_REPORT_SECONDS = 2.0  # what is up by then is not worth a line
REPORT_EVERY_SECONDS = 15.0
POLL_SECONDS = 0.25


def _answers(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return 0


def is_ready(spec: ProcessSpec, timeout: float = 1.0) -> bool:
    if spec.grpc_address:
        return serving(spec.grpc_address, timeout)
    if spec.http_url:  # a web process: its own health page
        return _answers(spec.http_url + "healthz", timeout) == 200
    if spec.metrics_port:
        base = f"http://127.0.0.1:{spec.metrics_port}"
        status = _answers(base + HEALTH_PATH, timeout)
        if status == 404:
            status = _answers(base + "/metrics", timeout)
        return status == 200
    return True


def _listing(labels: Sequence[str]) -> str:
    count = len(labels)
    return f"{count} process{'es' if count != 1 else ''} to be ready: {', '.join(labels)}"


def wait_ready(
    specs: Sequence[ProcessSpec],
    stop: threading.Event,
    say: Callable[[str], None],
    *,
    timeout: float = READY_TIMEOUT_SECONDS,
    first_report: float = FIRST_REPORT_SECONDS,
    report_every: float = REPORT_EVERY_SECONDS,
    probe: Callable[[ProcessSpec], bool] = is_ready,
) -> list[str] | None:
    """Probe until every spec is ready, ``timeout`` passes or ``stop`` is set; the labels not
    ready (empty when all are), None when stopped. Says what it still waits for after
    ``first_report`` seconds, then every ``report_every`` seconds, not at every poll."""
    waiting = list(specs)
    started = time.monotonic()
    next_report = started + first_report
    while True:
        waiting = [spec for spec in waiting if not probe(spec)]
        if not waiting:
            return []
        now = time.monotonic()
        if now - started >= timeout:
            return [spec.label for spec in waiting]
        if now >= next_report:
            say(
                f"crm-dev: waiting for {_listing([s.label for s in waiting])} "
                f"({now - started:.0f} s of at most {timeout:.0f} s)"
            )
            next_report = now + report_every
        if stop.wait(POLL_SECONDS):
            return None
