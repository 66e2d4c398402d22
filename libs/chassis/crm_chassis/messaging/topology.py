"""The broker topology every service relies on, declared from the service manifests.

Per service: the topic exchange ``<name>.events`` (durable), declared with exactly the arguments
nameko's ``get_event_exchange`` uses, so a nameko process redeclaring it never conflicts.
Per subscription: the quorum queue nameko's SERVICE_POOL handler consumes
(``evt-<source>-<event>--<consumer>.<method>``), bound by the event type, with a delivery limit
and the dead-letter exchange ``crm.dlx``; and its classic queue ``<queue>.dlq`` bound to crm.dlx
by the queue name. The handler (``crm_chassis.messaging.handlers``) declares its queue with
:func:`queue_arguments` too: RabbitMQ refuses (406 PRECONDITION_FAILED) a redeclaration with
different arguments, so both sides must build them here.

Declaring is idempotent; the relay declares everything before its first publish so that events
published before a consumer ever started wait in its queue instead of being returned.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from crm_chassis.manifest import ServiceManifest, Subscription

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "crm.dlx"


def events_exchange(service_name: str) -> str:
    return f"{service_name}.events"


def delivery_limit(max_deliveries: int) -> int:
    """RabbitMQ's ``x-delivery-limit`` counts *re*deliveries: limit N allows N + 1 deliveries
    (measured on RabbitMQ 3.10), so ``max_deliveries`` deliveries need a limit of one less."""
    return max(0, int(max_deliveries) - 1)


def queue_arguments(queue_name: str, max_deliveries: int) -> dict:
    """Arguments of a handler's queue: identical on every declaration, or the broker says 406."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit(max_deliveries),
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue_name,
    }


def dead_letter_queue(queue_name: str) -> str:
    return f"{queue_name}.dlq"


@dataclass(frozen=True)
class Topology:
    """What :func:`declare_topology` declares (also what ``topology_main show`` prints)."""

    exchanges: tuple[str, ...]
    queues: tuple[tuple[Subscription, dict], ...]    # (subscription, its queue arguments)

    @property
    def dead_letter_queues(self) -> tuple[str, ...]:
        return tuple(dead_letter_queue(sub.queue) for sub, _ in self.queues)


def plan(manifests: Iterable[ServiceManifest], max_deliveries: int) -> Topology:
    manifests = list(manifests)
    exchanges = {m.name for m in manifests}
    queues = []
    for manifest in manifests:
        for sub in manifest.subscriptions:
            exchanges.add(sub.source)   # a source without a manifest here still needs its exchange
            queues.append((sub, queue_arguments(sub.queue, max_deliveries)))
    return Topology(exchanges=tuple(sorted(events_exchange(name) for name in exchanges)),
                    queues=tuple(queues))


class TopologyConflict(RuntimeError):
    """The broker holds an exchange or queue of that name declared differently (406)."""


def declare_topology(channel, manifests: Iterable[ServiceManifest], max_deliveries: int) -> Topology:
    """Declare exchanges, quorum queues, bindings and dead-letter queues on a pika channel."""
    import pika.exceptions

    topology = plan(manifests, max_deliveries)
    try:
        _declare(channel, topology)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != 406:
            raise
        raise TopologyConflict(
            f"the broker refused a declaration: {exc.reply_text}. An exchange or queue of that "
            "name exists with other arguments (e.g. a classic queue made by a plain nameko "
            "handler, or another event_max_deliveries). Drain it, delete it (rabbitmqctl "
            "delete_queue <name>) and start again; the topology is declared anew.") from None
    log.info("broker topology declared: %d exchanges, %d queues (+ dead-letter queues)",
             len(topology.exchanges), len(topology.queues))
    return topology


def _declare(channel, topology: Topology) -> None:
    # nameko: Exchange(type="topic", durable=True, auto_delete=None -> False), no arguments.
    for exchange in topology.exchanges:
        channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True,
                                 auto_delete=False)
    channel.exchange_declare(exchange=DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True,
                             auto_delete=False)
    for sub, arguments in topology.queues:
        dlq = dead_letter_queue(sub.queue)
        channel.queue_declare(queue=dlq, durable=True, exclusive=False, auto_delete=False)
        channel.queue_bind(queue=dlq, exchange=DEAD_LETTER_EXCHANGE, routing_key=sub.queue)
        # nameko's EventHandler: Queue(durable=True, auto_delete=False, exclusive=False).
        channel.queue_declare(queue=sub.queue, durable=True, exclusive=False, auto_delete=False,
                              arguments=arguments)
        channel.queue_bind(queue=sub.queue, exchange=events_exchange(sub.source),
                           routing_key=sub.event)


def delete_topology(channel, manifests: Iterable[ServiceManifest]) -> None:
    """Delete what :func:`declare_topology` declared for ``manifests`` (tests, decommissioning).

    The shared ``crm.dlx`` exchange stays: other services' dead-letter queues are bound to it.
    """
    topology = plan(manifests, 1)
    for sub, _ in topology.queues:
        channel.queue_delete(queue=sub.queue)
        channel.queue_delete(queue=dead_letter_queue(sub.queue))
    for exchange in topology.exchanges:
        channel.exchange_delete(exchange=exchange)


def queue_depths(channel, queues: Iterable[str]) -> dict[str, int | None]:
    """Messages ready in each queue (passive declare); None for a queue that does not exist.

    A passive declare of a missing queue closes the channel (404), so callers give each lookup
    a channel they can lose: ``channel`` is a zero-arg callable returning an open channel.
    """
    import pika.exceptions

    depths: dict[str, int | None] = {}
    for queue in queues:
        ch = channel()
        try:
            depths[queue] = ch.queue_declare(queue=queue, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            depths[queue] = None
    return depths
