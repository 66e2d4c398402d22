"""SnapshotService servicer: one page of snapshot events per call (the backfill of a consumer
that joins a running platform; ``service_layer/snapshots.py``)."""

from __future__ import annotations

from crm.leads.v1 import snapshots_pb2, snapshots_pb2_grpc
from crm_leads.adapters import grpc_mapping
from crm_leads.service_layer import snapshots
from crm_leads.service_layer.dependencies import Dependencies


class SnapshotServicer(snapshots_pb2_grpc.SnapshotServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def PublishSnapshots(self, request, context):
        page = snapshots.publish_snapshots(
            self.deps,
            grpc_mapping.caller(),
            kind=grpc_mapping.enum_word(snapshots_pb2.SnapshotKind, request.kind),
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return snapshots_pb2.PublishSnapshotsResponse(
            published=len(page.items), page=grpc_mapping.page_info(page)
        )
