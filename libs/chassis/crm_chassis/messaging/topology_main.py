"""``python -m crm_chassis.messaging.topology_main declare|show``: the broker topology of every
``services/*/service.toml`` (exchanges, quorum queues, dead-letter queues)."""
from __future__ import annotations

import argparse
import sys

import pika

from crm_chassis import manifest as manifests
from crm_chassis.messaging.topology import DEAD_LETTER_EXCHANGE, dead_letter_queue, plan
from crm_chassis.messaging.bootstrap import declare_with_retry
from crm_chassis.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-topology", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("declare", "show"))
    args = parser.parse_args(argv)
    settings = ServiceSettings.load("topology")
    found = manifests.discover()
    if args.action == "show":
        topology = plan(found, settings.event_max_deliveries)
        for exchange in topology.exchanges:
            print(f"exchange {exchange} (topic, durable)")
        print(f"exchange {DEAD_LETTER_EXCHANGE} (direct, durable)")
        for sub, arguments in topology.queues:
            print(f"queue {sub.queue} <- {sub.source}.events [{sub.event}] {arguments}")
            print(f"queue {dead_letter_queue(sub.queue)} <- {DEAD_LETTER_EXCHANGE} [{sub.queue}]")
        return 0
    try:
        pika.BlockingConnection(pika.URLParameters(settings.amqp_url)).close()
    except pika.exceptions.AMQPConnectionError as exc:
        print(f"crm-topology: cannot reach the broker at CRM_AMQP_URL ({exc!r}); is RabbitMQ "
              "running? (make infra-run)", file=sys.stderr)
        return 1
    topology = declare_with_retry(settings.amqp_url, found, settings.event_max_deliveries)
    print(f"declared {len(topology.exchanges)} exchanges and {len(topology.queues)} queues "
          f"(+ {len(topology.queues)} dead-letter queues) for {len(found)} services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
