"""``crmctl org snapshots publish``: re-publish every org unit, team and sales-line target as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For
administrators or a service account with the ``publish_territory_snapshots`` role; safe to
repeat (each snapshot carries the record's current version). People's scopes have their own
command (docs/operations.md, "A replica is empty or behind")."""

from __future__ import annotations

import click

from crm.territory.v1 import snapshots_pb2
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.paging import publish_snapshots

KINDS = {
    "units": snapshots_pb2.SNAPSHOT_KIND_ORG_UNITS,
    "teams": snapshots_pb2.SNAPSHOT_KIND_TEAMS,
    "targets": snapshots_pb2.SNAPSHOT_KIND_TARGETS,
}


@click.group()
def snapshots() -> None:
    """Snapshots of the organisation for a new consumer (backfill)."""


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
    """Re-publish every org unit, team and target (org_unit_snapshot, team_snapshot,
    targets_snapshot)."""
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
