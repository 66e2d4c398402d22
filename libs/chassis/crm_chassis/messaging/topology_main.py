"""``python -m crm_chassis.messaging.topology_main declare|show [--service NAME]``: the broker
topology of ``services/*/service.toml`` (exchanges, quorum queues, dead-letter queues).

Each service's part is declared with that service's own broker user (its setting ``amqp_url``,
``CRM_<SERVICE>_AMQP_URL``), which may declare nothing else (docs/security.md, "Broker trust").

- ``declare --service NAME`` (a Kubernetes topology Job): NAME's part; it waits for the exchanges
  NAME subscribes to, which the other services' Jobs declare.
- ``declare`` (``make run``): every service's exchanges first, then every service's queues, each
  part with its own user, so no part waits for another.
"""
from __future__ import annotations

import argparse
import sys

from crm_chassis import manifest as manifests
from crm_chassis.messaging.bootstrap import declare_with_retry
from crm_chassis.messaging.topology import dead_letter_queue, plan
from crm_chassis.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-topology", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("declare", "show"))
    parser.add_argument("--service", help="only this service's part")
    parser.add_argument("--wait-seconds", type=float, default=300.0,
                        help="how long to wait for the broker and the source exchanges")
    args = parser.parse_args(argv)
    found = manifests.discover()
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
    for m in found:   # every exchange first: the parts bind to each other's exchanges
        declare_with_retry(settings[m.name].amqp_url, m, settings[m.name].event_max_deliveries,
                           exchanges_only=True, wait_seconds=args.wait_seconds)
    queues = 0
    for m in found:
        declared = declare_with_retry(settings[m.name].amqp_url, m,
                                      settings[m.name].event_max_deliveries,
                                      wait_seconds=args.wait_seconds)
        queues += len(declared.queues)  # type: ignore[union-attr]  # no stop event: never None
    print(f"declared the topology of {', '.join(m.name for m in found)}: {queues} queues "
          f"(+ {queues} dead-letter queues), each part with its service's broker user")
    return 0


if __name__ == "__main__":
    sys.exit(main())
