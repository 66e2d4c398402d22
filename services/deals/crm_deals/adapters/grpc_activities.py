"""ActivityService servicer: proto in, use case, proto out."""

from __future__ import annotations

from crm.deals.v1 import activities_pb2, activities_pb2_grpc
from crm_chassis.errors import InvalidArgument
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import activities


def _kind_filter(kind: int, index: int) -> str:
    name = grpc_mapping.enum_value(grpc_mapping.ACTIVITY_KIND, kind, f"kinds[{index}]")
    if not name:
        raise InvalidArgument(
            f"kinds[{index}] is ACTIVITY_KIND_UNSPECIFIED; name a kind or send no kinds for all",
            field=f"kinds[{index}]",
        )
    return name


class ActivityServicer(grpc_mapping.UseCases, activities_pb2_grpc.ActivityServiceServicer):
    def LogActivity(self, request, context):
        return grpc_mapping.activity(
            self.run(
                activities.log_activity,
                target_type=request.target.type,
                target_id=request.target.id,
                kind=grpc_mapping.enum_value(grpc_mapping.ACTIVITY_KIND, request.kind, "kind"),
                subject=request.subject,
                body=request.body,
                owner_user_id=request.owner_user_id,
                occurred_at=grpc_mapping.instant(request, "occurred_at"),
                due_at=grpc_mapping.instant(request, "due_at"),
                direction=request.direction,
                duration_minutes=request.duration_minutes,
                outcome=request.outcome,
                mention_user_ids=tuple(request.mention_user_ids),
            )
        )

    def ListTimeline(self, request, context):
        kinds = frozenset(_kind_filter(kind, i) for i, kind in enumerate(request.kinds))
        page = self.run(
            activities.timeline,
            target_type=request.target.type,
            target_id=request.target.id,
            kinds=kinds,
            page=grpc_mapping.page_query(request.page),
        )
        return activities_pb2.ListTimelineResponse(
            activities=[grpc_mapping.activity(a) for a in page.items],
            page=grpc_mapping.page_info(page),
        )

    def CompleteTask(self, request, context):
        return grpc_mapping.activity(self.run(activities.complete_task, request.id, request.done))

    def UpdateActivity(self, request, context):
        return grpc_mapping.activity(
            self.run(
                activities.update_activity,
                request.id,
                subject=request.subject or None,
                body=request.body if request.HasField("body") else None,
                due_at=grpc_mapping.instant(request, "due_at"),
            )
        )
