"""``crmctl <service> snapshots publish``, made once for every service that re-publishes its
records as snapshot events (the backfill of a consumer that joins a running platform): each
service's command module names its kinds, its request message and its stub's method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.paging import publish_snapshots
from crmctl.session import Session


def snapshots_group(
    records: str,
    kinds: dict[str, int],
    request_cls: Any,
    method_of: Callable[[Session], Any],
    publish_help: str,
) -> click.Group:
    """The ``snapshots`` group with its ``publish`` command: ``kinds`` maps the ``--kind``
    words to the service's SnapshotKind numbers; ``method_of(session)`` is its
    ``PublishSnapshots`` stub method."""

    @click.group(help=f"Snapshots of {records} for a new consumer (backfill).")
    def snapshots() -> None:
        pass

    @snapshots.command("publish", help=publish_help)
    @click.option(
        "--kind",
        type=click.Choice([*kinds, "all"]),
        default="all",
        show_default=True,
        help="Which records to re-publish.",
    )
    @output_option
    @pass_session
    def publish(session: Session, kind: str) -> None:
        wanted = kinds if kind == "all" else {kind: kinds[kind]}
        rows = publish_snapshots(session, method_of(session), request_cls, wanted)
        columns = [("kind", "kind"), ("published", "published"), ("calls", "calls")]
        print_rows(session.output, rows, columns)

    return snapshots
