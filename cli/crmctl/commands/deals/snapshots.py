"""``crmctl deals snapshots publish``: re-publish every deal's, account's and pipeline's current
state as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For the
management department or a service account with the ``publish_deal_snapshots`` role; safe to
repeat (each snapshot carries the record's current version)."""

from __future__ import annotations

import click

from crm.deals.v1 import snapshots_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.paging import publish_snapshots

KINDS = {
    "deals": snapshots_pb2.SNAPSHOT_KIND_DEALS,
    "accounts": snapshots_pb2.SNAPSHOT_KIND_ACCOUNTS,
    "pipelines": snapshots_pb2.SNAPSHOT_KIND_PIPELINES,
}


@click.group()
def snapshots() -> None:
    """Snapshots of deals' records for a new consumer (backfill)."""


@snapshots.command("publish")
@click.option(
    "--kind",
    type=click.Choice([*KINDS, "all"]),
    default="all",
    show_default=True,
    help="Which records to re-publish.",
)
@output_option
@pass_session
def publish(session, kind):
    """Re-publish the current state of every deal, account and pipeline (deal_snapshot,
    account_snapshot, pipeline_snapshot)."""
    wanted = KINDS if kind == "all" else {kind: KINDS[kind]}
    rows = publish_snapshots(
        session,
        Stubs(session).snapshots.PublishSnapshots,
        snapshots_pb2.PublishSnapshotsRequest,
        wanted,
    )
    print_rows(
        session.output, rows, [("kind", "kind"), ("published", "published"), ("calls", "calls")]
    )
