"""NotificationService and TaskService servicers: proto in, use case, proto out."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import pagination_pb2
from crm.deals.v1 import notifications_pb2, notifications_pb2_grpc, tasks_pb2, tasks_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.domain.notifications import Notification
from crm_deals.service_layer import notifications, tasks


def notification(n: Notification) -> notifications_pb2.Notification:
    message = notifications_pb2.Notification(
        id=n.id,
        kind=n.kind,
        record_type=n.record_type,
        record_id=n.record_id,
        title=n.title,
        text=n.text,
    )
    message.created_at.CopyFrom(_ts(n.created_at))
    if n.read_at is not None:
        message.read_at.CopyFrom(_ts(n.read_at))
    return message


def _ts(moment) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


class NotificationServicer(
    grpc_mapping.UseCases, notifications_pb2_grpc.NotificationServiceServicer
):
    def ListNotifications(self, request, context):
        page = self.run(
            notifications.list_notifications,
            unread_only=request.unread_only,
            size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return notifications_pb2.ListNotificationsResponse(
            notifications=[notification(n) for n in page.items],
            page=pagination_pb2.PageInfo(next_cursor=page.next_cursor),
        )

    def CountUnreadNotifications(self, request, context):
        return notifications_pb2.CountUnreadNotificationsResponse(
            unread=self.run(notifications.unread_count)
        )

    def MarkNotificationsRead(self, request, context):
        return notifications_pb2.MarkNotificationsReadResponse(
            marked=self.run(
                notifications.mark_read, ids=list(request.ids), all_unread=request.all_unread
            )
        )


class TaskServicer(grpc_mapping.UseCases, tasks_pb2_grpc.TaskServiceServicer):
    def ListMyTasks(self, request, context):
        page = self.run(
            tasks.list_my_tasks,
            team_id=request.team_id,
            user_id=request.user_id,
            bucket=request.bucket,
            time_zone=request.time_zone,
            size=request.page.page_size,
            cursor=request.page.cursor,
        )
        return tasks_pb2.ListMyTasksResponse(
            tasks=[
                tasks_pb2.DueTask(task=grpc_mapping.activity(d.task), bucket=d.bucket)
                for d in page.items
            ],
            page=pagination_pb2.PageInfo(next_cursor=page.next_cursor),
        )
