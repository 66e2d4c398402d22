"""SnapshotService: one page of snapshot events per call (the backfill of a consumer that joins
a running platform; ``service_layer/snapshots.py``)."""

from __future__ import annotations

from crm.common.v1 import pagination_pb2
from crm.territory.v1 import snapshots_pb2, snapshots_pb2_grpc
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_territory.adapters.grpc_servicer import Servicer, caller, paged
from crm_territory.service_layer import snapshots


def _kind(number: int) -> str:
    # An unknown number reads as no kind: the use case checks the caller's right first, then
    # names the kinds it knows.
    try:
        return enums.word_of(snapshots_pb2.SnapshotKind, number, "kind")
    except InvalidArgument:
        return ""


class SnapshotServicer(Servicer, snapshots_pb2_grpc.SnapshotServiceServicer):
    def PublishSnapshots(self, request, context):
        published = snapshots.publish_snapshots(
            self.deps,
            caller(),
            kind=_kind(request.kind),
            **paged(request),
        )
        return snapshots_pb2.PublishSnapshotsResponse(
            published=published.count,
            page=pagination_pb2.PageInfo(next_cursor=published.next_cursor),
        )
