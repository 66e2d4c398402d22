"""``python -m crm_chassis.outbox.relay_main --service NAME``: the outbox relay process.

Loads the service's settings, serves /metrics on the manifest's relay port (the environment's
metrics_port wins) and runs the relay until SIGTERM/SIGINT, which end it after the batch in
flight. It declares nothing on the broker: its service's broker user may only publish on its own
exchange, and the topology steps (``make run``, the topology Jobs) declare every consumer's queue
before any relay starts.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from crm_chassis import manifest as manifests
from crm_chassis import tracing
from crm_chassis.db import make_service_engine
from crm_chassis.messaging.bootstrap import configure_process_logging, metrics_port
from crm_chassis.metrics import start_metrics_server
from crm_chassis.outbox.publisher import ConfirmingPublisher
from crm_chassis.outbox.relay import OutboxRelay, register_health_checks, relay_options
from crm_chassis.outbox.wakeup import OutboxWakeup
from crm_chassis.settings import load_for_process

log = logging.getLogger("crm_chassis.outbox.relay_main")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-relay", description=__doc__.splitlines()[0])
    parser.add_argument("--service", required=True, help="service whose outbox to relay")
    args = parser.parse_args(argv)

    try:
        manifest = manifests.find(args.service)
    except LookupError as exc:
        print(
            f"crm-relay: {exc} (known: {[m.name for m in manifests.discover()]})", file=sys.stderr
        )
        return 2
    settings = load_for_process(args.service, "relay")  # stops here when misconfigured
    configure_process_logging(settings)
    tracing.configure(settings, "relay")  # only with an OTLP endpoint
    start_metrics_server(metrics_port(settings, manifest, "relay"))

    stopping = threading.Event()
    relay: OutboxRelay | None = None

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the batch in flight", signal.Signals(signum).name)
        stopping.set()
        if relay is not None:
            relay.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    engine = make_service_engine(settings)
    publisher = ConfirmingPublisher(settings.amqp_url, app_id=f"{args.service}.outbox_relay")
    relay = OutboxRelay(
        engine,
        args.service,
        publisher,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        wakeup=OutboxWakeup.for_engine(engine),
        # Quarantine, subscribed types, retention, /healthz (outbox.relay).
        **relay_options(engine, args.service, settings, manifests.discover()),
    )
    register_health_checks(relay)
    if stopping.is_set():
        relay.stop()
    log.info("outbox relay started for %s (batch %d)", args.service, settings.outbox_batch_size)
    try:
        relay.run()
    finally:
        engine.dispose()
    log.info("outbox relay stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
