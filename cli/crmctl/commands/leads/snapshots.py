"""``crmctl leads snapshots publish``: re-publish every lead's and campaign's current state as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For the
management department or a service account with the ``publish_lead_snapshots`` role; safe to
repeat (each snapshot carries the record's current version)."""

from __future__ import annotations

import click

from crm.leads.v1 import snapshots_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.paging import publish_snapshots

KINDS = {
    "leads": snapshots_pb2.SNAPSHOT_KIND_LEADS,
    "campaigns": snapshots_pb2.SNAPSHOT_KIND_CAMPAIGNS,
}


@click.group()
def snapshots() -> None:
    """Snapshots of leads' records for a new consumer (backfill)."""


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
    """Re-publish the current state of every lead and campaign (lead_snapshot,
    campaign_snapshot)."""
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
