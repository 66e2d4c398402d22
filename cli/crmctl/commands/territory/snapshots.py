"""``crmctl org snapshots publish``: re-publish every org unit, team and sales-line target as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For
administrators or a service account with the ``publish_territory_snapshots`` role; safe to
repeat (each snapshot carries the record's current version). People's scopes have their own
command (docs/operations.md, "A replica is empty or behind")."""

from __future__ import annotations

from crm.territory.v1 import snapshots_pb2
from crmctl.commands.territory.stubs import Stubs
from crmctl.snapshots import snapshots_group

KINDS = {
    "units": snapshots_pb2.SNAPSHOT_KIND_ORG_UNITS,
    "teams": snapshots_pb2.SNAPSHOT_KIND_TEAMS,
    "targets": snapshots_pb2.SNAPSHOT_KIND_TARGETS,
}

snapshots = snapshots_group(
    "the organisation",
    KINDS,
    snapshots_pb2.PublishSnapshotsRequest,
    lambda session: Stubs(session).snapshots.PublishSnapshots,
    """Re-publish every org unit, team and target (org_unit_snapshot, team_snapshot,
targets_snapshot).""",
)
