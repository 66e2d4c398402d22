"""``crmctl dlq ...``: the platform's dead-letter queues — what waits in them, and replaying it.

An operations command: it talks AMQP to the broker (``--amqp-url``, default ``$CRM_AMQP_URL``),
not gRPC, and needs no login; access is whatever the broker account grants.

    crmctl dlq list                      # dead-letter queues holding messages
    crmctl dlq show QUEUE [--limit 20]   # their events, oldest first, without removing them
    crmctl dlq replay QUEUE --event-id ID [--event-id ID ...]
    crmctl dlq replay QUEUE --all

QUEUE is a dead-letter queue (``<handler queue>.dlq``) or the handler queue it belongs to. A
replay puts the message back on the queue it died in, for that consumer only; the consumer's
inbox makes a replay of an event it has handled meanwhile a no-op. Ordering consequences are
described in docs/reliability.md.
"""

from __future__ import annotations

import json
import os

import click
import pika.exceptions

from crm_chassis import manifest as manifests
from crm_chassis.messaging.dlq import DLQ_SUFFIX, DeadLetters
from crm_chassis.messaging.topology import plan
from crm_chassis.settings import ServiceSettings
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.session import CliError, Session


def _default_amqp_url() -> str:
    return os.environ.get("CRM_AMQP_URL") or ServiceSettings.amqp_url


amqp_option = click.option(
    "--amqp-url",
    default=_default_amqp_url,
    show_default="$CRM_AMQP_URL or the local broker",
    help="RabbitMQ URL of the platform's broker (with its virtual host).",
)


def _open(amqp_url: str) -> DeadLetters:
    try:
        return DeadLetters(amqp_url)
    except pika.exceptions.AMQPError as exc:
        raise CliError(
            f"cannot reach the broker at {_without_password(amqp_url)} ({exc!r}); "
            "give its URL with --amqp-url or $CRM_AMQP_URL"
        ) from None


def _without_password(url: str) -> str:
    parsed = pika.URLParameters(url)
    return f"{parsed.host}:{parsed.port}{'/' + parsed.virtual_host if parsed.virtual_host else ''}"


def _dlq_name(queue: str) -> str:
    return queue if queue.endswith(DLQ_SUFFIX) else queue + DLQ_SUFFIX


def _missing(dlq: str) -> CliError:
    return CliError(
        f"no dead-letter queue {dlq!r} on this broker; `crmctl dlq list --all` "
        "names the platform's dead-letter queues"
    )


@click.group(name="dlq")
def dlq_group() -> None:
    """Dead-letter queues: list, show and replay the events that could not be handled."""


@dlq_group.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Also the empty and missing queues.")
@amqp_option
@output_option
@pass_session
def list_command(session: Session, show_all: bool, amqp_url: str) -> None:
    """The platform's dead-letter queues (from the service manifests) and what they hold."""
    dlqs = plan(manifests.discover(), 1).dead_letter_queues
    with _open(amqp_url) as letters:
        depths = letters.depths(dlqs)
    rows = [
        {"dead_letter_queue": dlq, "messages": depth if depth is not None else "missing"}
        for dlq, depth in sorted(depths.items())
        if show_all or depth
    ]
    print_rows(
        session.output,
        rows,
        [("dead_letter_queue", "Dead-letter queue"), ("messages", "Messages")],
        empty="every dead-letter queue is empty",
    )


@dlq_group.command(name="show")
@click.argument("queue")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="At most this many messages, oldest first.",
)
@amqp_option
@output_option
@pass_session
def show_command(session: Session, queue: str, limit: int, amqp_url: str) -> None:
    """The messages of one dead-letter queue, without removing them (-o json adds the bodies)."""
    dlq = _dlq_name(queue)
    with _open(amqp_url) as letters:
        try:
            found = letters.read(dlq, limit)
        except pika.exceptions.ChannelClosedByBroker:
            raise _missing(dlq) from None
    rows = [letter.as_row() for letter in found]
    if session.output != "json":
        for row in rows:
            row.pop("body")
            row["event_id"] = row["event_id"] or "(not an event)"
    print_rows(
        session.output,
        rows,
        [
            ("position", "#"),
            ("event_id", "Event id"),
            ("event_type", "Event"),
            ("aggregate", "Aggregate"),
            ("reason", "Reason"),
            ("deaths", "Deaths"),
        ],
        empty=f"{dlq} is empty",
    )


@dlq_group.command(name="replay")
@click.argument("queue")
@click.option(
    "--event-id", "event_ids", multiple=True, metavar="ID", help="Replay this event (repeatable)."
)
@click.option(
    "--all",
    "replay_all",
    is_flag=True,
    help="Replay every message of the queue, bodies that are not events included.",
)
@amqp_option
@output_option
@pass_session
def replay_command(
    session: Session, queue: str, event_ids: tuple[str, ...], replay_all: bool, amqp_url: str
) -> None:
    """Put dead-lettered events back on the queue they died in, for their consumer to handle
    again (once the cause is fixed). Safe to repeat: the consumer's inbox skips what it has
    handled."""
    if bool(event_ids) == replay_all:
        raise CliError("say what to replay: one or more --event-id ID, or --all")
    dlq = _dlq_name(queue)
    wanted = set(event_ids)
    with _open(amqp_url) as letters:
        try:
            replayed = letters.replay(
                dlq,
                (lambda letter: True) if replay_all else (lambda letter: letter.event_id in wanted),
            )
        except pika.exceptions.ChannelClosedByBroker:
            raise _missing(dlq) from None
        except pika.exceptions.UnroutableError:
            raise CliError(
                f"the queue {dlq[: -len(DLQ_SUFFIX)]!r} does not exist any more; "
                "nothing was removed from the dead-letter queue"
            ) from None
    not_found = sorted(wanted - {letter.event_id for letter in replayed})
    if session.output == "json":
        click.echo(
            json.dumps(
                {"replayed": [letter.event_id for letter in replayed], "not_found": not_found},
                indent=2,
            )
        )
        return
    click.echo(f"replayed {len(replayed)} message(s) from {dlq}")
    if not_found:
        click.echo(f"not in {dlq}: {', '.join(not_found)}")
