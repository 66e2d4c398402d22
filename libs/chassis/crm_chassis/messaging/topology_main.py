"""``python -m crm_chassis.messaging.topology_main declare|wait|show [--service NAME]``: the broker
topology of ``services/*/service.toml`` (exchanges, quorum queues, dead-letter queues).

Each service's part is declared with that service's own broker user (its setting ``amqp_url``,
``CRM_<SERVICE>_AMQP_URL``), which may declare nothing else (docs/security.md, "Broker trust").

- ``declare --service NAME`` (a Kubernetes topology Job): NAME's part; it waits for the exchanges
  NAME subscribes to, which the other services' Jobs declare.
- ``declare`` (``make run``): every service's exchanges first, then every service's queues, each
  part with its own user, so no part waits for another.
- ``wait --service NAME`` (a Kubernetes init container of NAME's worker and relay): declares
  nothing; exits 0 once NAME's exchanges and queues exist (passive declares, which need no
  permission), 1 when ``--wait-seconds`` run out first, naming what is missing. So a process
  starts only after its topology Job, whichever tool applies the manifests.
"""

from __future__ import annotations

import argparse
import sys
import time

import pika
import pika.exceptions

from crm_chassis import manifest as manifests
from crm_chassis.messaging.bootstrap import declare_with_retry
from crm_chassis.messaging.topology import dead_letter_queue, plan, queue_depths, service_plan
from crm_chassis.settings import ServiceSettings


def missing_topology(
    amqp_url: str, manifest: manifests.ServiceManifest, max_deliveries: int
) -> list[str]:
    """What of ``manifest``'s part is not declared on the broker (passive declares)."""
    part = service_plan(manifest, max_deliveries)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        missing = []
        for exchange in (*part.exchanges, *part.dead_letter_exchanges):
            try:
                connection.channel().exchange_declare(exchange, passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                missing.append(f"exchange {exchange}")
        queues = [sub.queue for sub, _ in part.queues] + list(part.dead_letter_queues)
        depths = queue_depths(connection.channel, queues)
        return missing + [f"queue {queue}" for queue in queues if depths[queue] is None]
    finally:
        try:
            connection.close()
        except pika.exceptions.AMQPError:
            pass


def wait_for_topology(
    amqp_url: str,
    manifest: manifests.ServiceManifest,
    max_deliveries: int,
    wait_seconds: float,
    interval: float = 2.0,
) -> str | None:
    """None once the part exists; what is still missing when ``wait_seconds`` ran out."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            missing = missing_topology(amqp_url, manifest, max_deliveries)
            if not missing:
                return None
            waiting = (
                f"the broker topology of {manifest.name} is not declared (its topology "
                f"Job declares it): missing {', '.join(missing)}"
            )
        except pika.exceptions.AMQPConnectionError as exc:
            waiting = f"broker unavailable ({exc!r})"
        if time.monotonic() + interval > deadline:
            return waiting
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-topology", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("declare", "wait", "show"))
    parser.add_argument("--service", help="only this service's part")
    parser.add_argument(
        "--wait-seconds",
        type=float,
        default=300.0,
        help="how long to wait for the broker and the source exchanges",
    )
    args = parser.parse_args(argv)
    found = [m for m in manifests.discover() if m.uses_broker]  # web applications have no part
    if args.service:
        try:
            found = [manifests.find(args.service)]
        except LookupError as exc:
            print(f"crm-topology: {exc}", file=sys.stderr)
            return 2
    settings = {m.name: ServiceSettings.load(m.name) for m in found}
    if args.action == "show":
        for m in found:
            part = plan([m], settings[m.name].event_max_deliveries)
            print(f"# {m.name}")
            for exchange in part.exchanges:
                print(f"exchange {exchange} (topic, durable)")
            for exchange in part.dead_letter_exchanges:
                print(f"exchange {exchange} (direct, durable)")
            for sub, arguments in part.queues:
                dlx = arguments["x-dead-letter-exchange"]
                print(f"queue {sub.queue} <- {sub.source}.events [{sub.event}] {arguments}")
                print(f"queue {dead_letter_queue(sub.queue)} <- {dlx} [{sub.queue}]")
        return 0
    if args.action == "wait":
        for m in found:
            problem = wait_for_topology(
                settings[m.name].amqp_url,
                m,
                settings[m.name].event_max_deliveries,
                args.wait_seconds,
            )
            if problem:
                print(f"crm-topology: {problem}", file=sys.stderr)
                return 1
            print(f"the broker topology of {m.name} exists")
        return 0
    for m in found:  # every exchange first: the parts bind to each other's exchanges
        declare_with_retry(
            settings[m.name].amqp_url,
            m,
            settings[m.name].event_max_deliveries,
            exchanges_only=True,
            wait_seconds=args.wait_seconds,
        )
    queues = 0
    for m in found:
        declared = declare_with_retry(
            settings[m.name].amqp_url,
            m,
            settings[m.name].event_max_deliveries,
            wait_seconds=args.wait_seconds,
        )
        queues += len(declared.queues)  # type: ignore[union-attr]  # no stop event: never None
    print(
        f"declared the topology of {', '.join(m.name for m in found)}: {queues} queues "
        f"(+ {queues} dead-letter queues), each part with its service's broker user"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
