"""SnapshotService servicer: one page of snapshot events per call (the backfill of a consumer
that joins a running platform; ``service_layer/snapshots.py``)."""

from __future__ import annotations

from crm.catalog.v1 import snapshots_pb2, snapshots_pb2_grpc
from crm_catalog.adapters import grpc_mapping
from crm_catalog.service_layer import snapshots
from crm_catalog.service_layer.dependencies import Dependencies
from crm_chassis.wire import enums


class SnapshotServicer(snapshots_pb2_grpc.SnapshotServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def PublishSnapshots(self, request, context):
        page = snapshots.publish_snapshots(
            self.deps,
            grpc_mapping.caller(),
            # SNAPSHOT_KIND_EXCHANGE_RATES -> "exchange_rates"; 0 -> "" (refused by the use case)
            kind=enums.word_of(snapshots_pb2.SnapshotKind, request.kind, "kind"),
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = snapshots_pb2.PublishSnapshotsResponse(published=len(page.items))
        response.page.next_cursor = page.next_cursor
        return response
