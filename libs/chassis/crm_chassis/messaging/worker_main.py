"""``python -m crm_chassis.messaging.worker_main <service> <module>``: a service's nameko worker.

eventlet is monkey-patched before anything else is imported (nameko requires it; doing it later
leaves unpatched sockets and locks behind). Then: logging, /metrics on the manifest's worker port
(the environment's metrics_port wins), and every nameko service class found in <module> run by
one ServiceRunner until SIGTERM/SIGINT, which stop it cleanly (in-flight handlers finish; unacked
messages return to their queues). ``/healthz`` on the metrics port is the worker's readiness
(``crm_chassis.messaging.worker_health``). The service's topology step has declared its queues;
nameko redeclares them (same arguments) and binds them, which its broker user may do.

A stop is bounded: if the runner has not stopped ``STOP_GRACE_SECONDS`` after the signal (a
handler stuck on an unreachable database, a broker that does not answer), it is killed, which
closes the broker connections so that every delivery not acknowledged returns to its queue; the
process exits with 0 either way, well within a 10-second termination grace period. The handlers'
queue consumer itself (``crm_chassis.messaging.consumer``) closes the nameko races that used to
hang a stop.
"""

import warnings

# eventlet warns it is in maintenance mode on import; nameko 2.14 needs it, a decision recorded in
# docs/design-notes.md (the gRPC api runs without it). Keep the banner out of every worker's log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import importlib  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from typing import Any  # noqa: E402

from nameko.constants import AMQP_URI_CONFIG_KEY, MAX_WORKERS_CONFIG_KEY  # noqa: E402
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from crm_chassis import manifest as manifests  # noqa: E402
from crm_chassis import tracing  # noqa: E402
from crm_chassis.gc_tuning import tune_for_service  # noqa: E402
from crm_chassis.messaging.bootstrap import configure_process_logging, metrics_port  # noqa: E402
from crm_chassis.messaging.dlq import DeadLetterMonitor  # noqa: E402
from crm_chassis.messaging.handlers import MAX_DELIVERIES_CONFIG_KEY  # noqa: E402
from crm_chassis.messaging.worker_health import register_worker_health  # noqa: E402
from crm_chassis.metrics import start_metrics_server  # noqa: E402
from crm_chassis.settings import load_for_process  # noqa: E402

log = logging.getLogger("crm_chassis.messaging.worker_main")

#: Seconds from SIGTERM/SIGINT to killing the runner (Kubernetes waits 30 s, the chassis 10 s).
STOP_GRACE_SECONDS = 6.0
#: Seconds killing may take before the process exits regardless.
KILL_GRACE_SECONDS = 1.5
#: Seconds from the signal to SIGALRM's default action, the last resort when the event loop
#: itself is blocked. It comes after the kill path has ended the process (the stopper starts a
#: moment after the signal, then the process exits: logs flushed, interpreter torn down), which
#: on a loaded machine takes more than a second: with less margin a worker whose runner was
#: killed ended by the alarm (exit -14) instead of exiting 0. Still within a 10-second grace.
ALARM_SECONDS = int(STOP_GRACE_SECONDS + KILL_GRACE_SECONDS) + 2


def make_psycopg2_green() -> None:
    """Let psycopg2 yield to the eventlet hub while it waits on the server.

    Without this wait callback a query blocks every greenthread of the worker, and two handlers
    of one process racing on the same inbox key would deadlock (the waiter holds the hub).
    """
    try:
        import psycopg2
        from psycopg2 import extensions
    except ImportError:  # a service on SQLite only
        return
    from eventlet.hubs import trampoline

    def wait(conn: Any, timeout: float | None = None) -> None:
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                trampoline(conn.fileno(), read=True)
            elif state == extensions.POLL_WRITE:
                trampoline(conn.fileno(), write=True)
            else:
                raise psycopg2.OperationalError(f"bad state from poll: {state}")

    extensions.set_wait_callback(wait)


def service_classes(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and any(
            hasattr(member, ENTRYPOINT_EXTENSIONS_ATTR) for _, member in inspect.getmembers(cls)
        )
    ]
    if not found:
        raise SystemExit(
            f"worker_main: no nameko service class (a class with entrypoints) in "
            f"module {module_name!r}"
        )
    return found


def _stop_within(runner: ServiceRunner, grace_seconds: float) -> None:
    """Stop gracefully; kill what is still running after ``grace_seconds``."""
    stopper = eventlet.spawn(runner.stop)
    try:
        with eventlet.Timeout(grace_seconds):
            stopper.wait()
        return
    except eventlet.Timeout:
        log.warning(
            "the worker did not stop within %.0fs; killing its services (deliveries "
            "not acknowledged return to their queues)",
            grace_seconds,
        )
    except Exception:
        log.exception("the graceful stop failed; killing the worker's services")
    stopper.kill()
    try:
        with eventlet.Timeout(KILL_GRACE_SECONDS):
            runner.kill()
    except eventlet.Timeout:
        log.error(
            "killing the worker's services did not end within %.0fs; exiting", KILL_GRACE_SECONDS
        )
        os._exit(1)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(
            "usage: python -m crm_chassis.messaging.worker_main <service> <module>", file=sys.stderr
        )
        return 2
    service, module_name = argv
    try:
        manifest = manifests.find(service)
    except LookupError as exc:
        print(f"worker_main: {exc}", file=sys.stderr)
        return 2
    settings = load_for_process(service, "worker")  # stops here when misconfigured
    configure_process_logging(settings)
    tracing.configure(settings, "worker")  # only with an OTLP endpoint

    # Handlers first: a SIGTERM at any point after this stops the worker with exit code 0.
    stop_requested = threading.Event()
    runners: list[ServiceRunner] = []  # the runner, once built; each stopped once

    def stop_runner() -> None:
        if runners and stop_requested.is_set():
            eventlet.spawn_n(_stop_within, runners.pop(), STOP_GRACE_SECONDS)

    def shutdown(signum: int, _frame: object) -> None:
        if stop_requested.is_set():
            return
        stop_requested.set()
        log.info("signal %s: stopping the worker", signal.Signals(signum).name)
        if not runners:
            # Still bootstrapping (e.g. waiting for the broker): nothing consumed, nothing to
            # settle; do not wait for a connection attempt to time out.
            logging.shutdown()
            os._exit(0)
        # Last resort if the event loop itself is blocked (a call that does not yield):
        # the default action of SIGALRM ends the process.
        signal.alarm(ALARM_SECONDS)
        stop_runner()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)

    make_psycopg2_green()
    start_metrics_server(metrics_port(settings, manifest, "worker"))
    # /healthz: broker connected, queues consumed, database reachable (messaging.worker_health).
    database_watcher = register_worker_health(settings, consumes=bool(manifest.subscriptions))

    config = {
        AMQP_URI_CONFIG_KEY: settings.amqp_url,
        MAX_DELIVERIES_CONFIG_KEY: settings.event_max_deliveries,
        MAX_WORKERS_CONFIG_KEY: 10,
    }
    runner = ServiceRunner(config)
    for cls in service_classes(module_name):
        runner.add_service(cls)
    runners.append(runner)
    runner.start()
    stop_runner()  # if the signal came while the runner was starting
    monitor = DeadLetterMonitor(settings.amqp_url, [s.queue for s in manifest.subscriptions])
    monitor_thread = eventlet.spawn(monitor.run_forever)
    log.info("worker %s started: %s", service, ", ".join(runner.service_names))
    tune_for_service()  # what start-up built stays; docs/chassis.md, gc_tuning
    try:
        runner.wait()
    except Exception:
        if not stop_requested.is_set():
            raise
        log.warning("a service of the worker ended with an error while stopping")
    finally:
        monitor_thread.kill()
        if database_watcher is not None:
            database_watcher.stop()
    log.info("worker %s stopped", service)
    return 0


if __name__ == "__main__":
    sys.exit(main())
