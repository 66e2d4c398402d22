"""SnapshotService servicer: one page of snapshot events per call (the backfill of a consumer
that joins a running platform; ``service_layer/snapshots.py``)."""

from __future__ import annotations

from crm.deals.v1 import snapshots_pb2, snapshots_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import snapshots


class SnapshotServicer(grpc_mapping.UseCases, snapshots_pb2_grpc.SnapshotServiceServicer):
    def PublishSnapshots(self, request, context):
        # The right before the request: a caller without it learns nothing of what a valid
        # request looks like (the use case checks it again, as every use case does).
        snapshots.require_snapshot_right(grpc_mapping.caller())
        published = self.run(
            snapshots.publish_snapshots,
            kind=grpc_mapping.enum_value(snapshots_pb2.SnapshotKind, request.kind, "kind"),
            page=grpc_mapping.page_query(request.page),
        )
        return snapshots_pb2.PublishSnapshotsResponse(
            published=published.count,
            page=grpc_mapping.page_info(published),
        )
