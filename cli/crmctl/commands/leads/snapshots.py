"""``crmctl leads snapshots publish``: re-publish every lead's and campaign's current state as
snapshot events, the backfill of a consumer that joins a running platform (reporting). For the
management department or a service account with the ``publish_lead_snapshots`` role; safe to
repeat (each snapshot carries the record's current version)."""

from __future__ import annotations

from crm.leads.v1 import snapshots_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.snapshots import snapshots_group

KINDS = {
    "leads": snapshots_pb2.SNAPSHOT_KIND_LEADS,
    "campaigns": snapshots_pb2.SNAPSHOT_KIND_CAMPAIGNS,
}

snapshots = snapshots_group(
    "leads' records",
    KINDS,
    snapshots_pb2.PublishSnapshotsRequest,
    lambda session: Stubs(session).snapshots.PublishSnapshots,
    """Re-publish the current state of every lead and campaign (lead_snapshot,
campaign_snapshot).""",
)
