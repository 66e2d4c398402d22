"""``crmctl deals snapshots publish``: re-publish every deal's, account's and pipeline's current
state as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For the
management department or a service account with the ``publish_deal_snapshots`` role; safe to
repeat (each snapshot carries the record's current version)."""

from __future__ import annotations

from crm.deals.v1 import snapshots_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.snapshots import snapshots_group

KINDS = {
    "deals": snapshots_pb2.SNAPSHOT_KIND_DEALS,
    "accounts": snapshots_pb2.SNAPSHOT_KIND_ACCOUNTS,
    "pipelines": snapshots_pb2.SNAPSHOT_KIND_PIPELINES,
}

snapshots = snapshots_group(
    "deals' records",
    KINDS,
    snapshots_pb2.PublishSnapshotsRequest,
    lambda session: Stubs(session).snapshots.PublishSnapshots,
    """Re-publish the current state of every deal, account and pipeline (deal_snapshot,
account_snapshot, pipeline_snapshot).""",
)
