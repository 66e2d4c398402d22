"""The broker topology every service relies on, declared from the service manifests.

Per service (its *part*, declared by its own topology step with its own broker user):

- the topic exchange ``<name>.events`` (durable), declared with exactly the arguments nameko's
  ``get_event_exchange`` uses, so a nameko process redeclaring it never conflicts;
- the direct exchange ``<name>.dlx``: its queues' dead-letter exchange;
- per subscription, the quorum queue nameko's SERVICE_POOL handler consumes
  (``evt-<source>-<event>--<consumer>.<method>``), bound to ``<source>.events`` by the event
  type, with a delivery limit and the dead-letter exchange ``<consumer>.dlx``; and its classic
  queue ``<queue>.dlq`` bound to ``<consumer>.dlx`` by the queue name.

Why a dead-letter exchange per service: declaring a queue with ``x-dead-letter-exchange`` needs
write permission on that exchange, so one shared dead-letter exchange would let every service
publish into every other service's dead-letter queues (see docs/security.md, "Broker trust").

The handler (``crm_chassis.messaging.handlers``) declares its queue with :func:`queue_arguments`
too: RabbitMQ refuses (406 PRECONDITION_FAILED) a redeclaration with different arguments, so both
sides build them here.

A service's part binds its queues to other services' exchanges, which it may read but not
declare: the exchanges of every part exist before any queue is bound (``topology_main declare``
declares every service's exchanges first; a lone ``declare --service`` waits for its sources).
Declaring is idempotent. The topology steps run before any relay or worker starts (``make run``,
the Kubernetes topology Jobs), so events published before a consumer ever started wait in its
queue instead of being returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crm_chassis.manifest import ServiceManifest, Subscription

log = logging.getLogger(__name__)


def events_exchange(service_name: str) -> str:
    return f"{service_name}.events"


def dead_letter_exchange(service_name: str) -> str:
    return f"{service_name}.dlx"


def consumer_of_queue(queue_name: str) -> str:
    """The consuming service named in a handler queue ``evt-<source>-<event>--<consumer>.<m>``."""
    if "--" not in queue_name:
        raise ValueError(
            f"{queue_name!r} is not a handler queue (evt-<source>-<event>--<consumer>.<method>)"
        )
    return queue_name.rsplit("--", 1)[1].split(".", 1)[0]


def delivery_limit(max_deliveries: int) -> int:
    """RabbitMQ's ``x-delivery-limit`` counts *re*deliveries: limit N allows N + 1 deliveries
    (measured on RabbitMQ 3.10), so ``max_deliveries`` deliveries need a limit of one less."""
    return max(0, int(max_deliveries) - 1)


def queue_arguments(queue_name: str, max_deliveries: int) -> dict[str, Any]:
    """Arguments of a handler's queue: identical on every declaration, or the broker says 406."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit(max_deliveries),
        "x-dead-letter-exchange": dead_letter_exchange(consumer_of_queue(queue_name)),
        "x-dead-letter-routing-key": queue_name,
    }


def dead_letter_queue(queue_name: str) -> str:
    return f"{queue_name}.dlq"


@dataclass(frozen=True)
class Topology:
    """What :func:`declare_topology` declares (also what ``topology_main show`` prints)."""

    exchanges: tuple[str, ...]
    queues: tuple[tuple[Subscription, dict[str, Any]], ...]  # (subscription, its queue arguments)
    dead_letter_exchanges: tuple[str, ...] = ()

    @property
    def dead_letter_queues(self) -> tuple[str, ...]:
        return tuple(dead_letter_queue(sub.queue) for sub, _ in self.queues)


def service_plan(manifest: ServiceManifest, max_deliveries: int) -> Topology:
    """One service's part: its exchange, its dead-letter exchange, its queues."""
    return Topology(
        exchanges=(events_exchange(manifest.name),),
        queues=tuple(
            (sub, queue_arguments(sub.queue, max_deliveries)) for sub in manifest.subscriptions
        ),
        dead_letter_exchanges=(dead_letter_exchange(manifest.name),),
    )


def plan(manifests: Iterable[ServiceManifest], max_deliveries: int) -> Topology:
    """Every part of ``manifests`` together (what ``topology_main show`` prints); a web
    application (no api, worker or relay) has no part."""
    parts = [service_plan(m, max_deliveries) for m in manifests if m.uses_broker]
    return Topology(
        exchanges=tuple(sorted({e for p in parts for e in p.exchanges})),
        queues=tuple(q for p in parts for q in p.queues),
        dead_letter_exchanges=tuple(sorted({e for p in parts for e in p.dead_letter_exchanges})),
    )


class TopologyConflict(RuntimeError):
    """The broker holds an exchange or queue of that name declared differently (406)."""


class TopologyForbidden(RuntimeError):
    """The broker user may not declare that (403): it is not the service's own user, or its
    permissions are not those of :mod:`crm_chassis.messaging.broker_users`."""


class SourceExchangeMissing(RuntimeError):
    """A subscription's source exchange does not exist yet (its service's part not declared)."""


def declare_exchanges(channel: Any, manifest: ServiceManifest) -> None:
    """The exchanges of one service's part (before any part binds queues to them)."""
    _guarded(lambda: _declare_exchanges(channel, service_plan(manifest, 1)))


def declare_service_topology(
    channel: Any, manifest: ServiceManifest, max_deliveries: int
) -> Topology:
    """Declare one service's part on a pika channel opened with that service's broker user."""
    topology = service_plan(manifest, max_deliveries)

    def declare() -> None:
        _declare_exchanges(channel, topology)
        _declare_queues(channel, topology)

    _guarded(declare)
    log.info(
        "broker topology of %s declared: %d queues (+ dead-letter queues)",
        manifest.name,
        len(topology.queues),
    )
    return topology


def declare_topology(
    channel: Any, manifests: Iterable[ServiceManifest], max_deliveries: int
) -> Topology:
    """Declare every part of ``manifests`` on one channel (a user allowed all of it: tests)."""
    manifests = [m for m in manifests if m.uses_broker]
    for manifest in manifests:
        declare_exchanges(channel, manifest)
    for manifest in manifests:
        declare_service_topology(channel, manifest, max_deliveries)
    return plan(manifests, max_deliveries)


def _guarded(declare: Callable[[], object]) -> None:
    import pika.exceptions

    try:
        declare()
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            raise SourceExchangeMissing(exc.reply_text) from None
        if exc.reply_code == 403:
            raise TopologyForbidden(
                f"the broker refused a declaration: {exc.reply_text}. A service's part is "
                "declared with that service's own broker user (CRM_<SERVICE>_AMQP_URL), whose "
                "permissions `python -m crm_chassis.messaging.broker_users show` prints (make run "
                "creates them; deploy/ renders them as a Permission)."
            ) from None
        if exc.reply_code != 406:
            raise
        raise TopologyConflict(
            f"the broker refused a declaration: {exc.reply_text}. An exchange or queue of that "
            "name exists with other arguments (e.g. a classic queue made by a plain nameko "
            "handler, another event_max_deliveries, or a queue dead-lettering to the former "
            "shared crm.dlx). Drain it, delete it (rabbitmqctl delete_queue <name>) and start "
            "again; the topology is declared anew."
        ) from None


def _declare_exchanges(channel: Any, topology: Topology) -> None:
    # nameko: Exchange(type="topic", durable=True, auto_delete=None -> False), no arguments.
    for exchange in topology.exchanges:
        channel.exchange_declare(
            exchange=exchange, exchange_type="topic", durable=True, auto_delete=False
        )
    for exchange in topology.dead_letter_exchanges:
        channel.exchange_declare(
            exchange=exchange, exchange_type="direct", durable=True, auto_delete=False
        )


def _declare_queues(channel: Any, topology: Topology) -> None:
    for sub, arguments in topology.queues:
        dlq = dead_letter_queue(sub.queue)
        channel.queue_declare(queue=dlq, durable=True, exclusive=False, auto_delete=False)
        channel.queue_bind(
            queue=dlq, exchange=arguments["x-dead-letter-exchange"], routing_key=sub.queue
        )
        # nameko's EventHandler: Queue(durable=True, auto_delete=False, exclusive=False).
        channel.queue_declare(
            queue=sub.queue, durable=True, exclusive=False, auto_delete=False, arguments=arguments
        )
        channel.queue_bind(
            queue=sub.queue, exchange=events_exchange(sub.source), routing_key=sub.event
        )


def delete_topology(channel: Any, manifests: Iterable[ServiceManifest]) -> None:
    """Delete what :func:`declare_topology` declared for ``manifests`` (tests, decommissioning)."""
    topology = plan(manifests, 1)
    for sub, _ in topology.queues:
        channel.queue_delete(queue=sub.queue)
        channel.queue_delete(queue=dead_letter_queue(sub.queue))
    for exchange in (*topology.exchanges, *topology.dead_letter_exchanges):
        channel.exchange_delete(exchange=exchange)


def queue_depths(channel: Callable[[], Any], queues: Iterable[str]) -> dict[str, int | None]:
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
