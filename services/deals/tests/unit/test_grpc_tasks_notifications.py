"""NotificationService, TaskService and CustomerEmailService over gRPC: responses as the API
gives them, and bad input or hidden records as clear status codes (never INTERNAL)."""

import datetime as dt

import grpc
from deals_testkit import T0

from crm.deals.v1 import (
    activities_pb2,
    customer_emails_pb2,
    notifications_pb2,
    resources_pb2,
    tasks_pb2,
)
from crm_deals.domain.notifications import Notification

BAD, HIDDEN = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND


def test_my_tasks_over_grpc(api, deal):
    due = T0 + dt.timedelta(hours=2)
    request = activities_pb2.LogActivityRequest(
        target=resources_pb2.RecordRef(type="opportunity", id=deal.id),
        kind=resources_pb2.ACTIVITY_KIND_TASK,
        subject="Call back",
    )
    request.due_at.FromDatetime(due)
    task = api.call(api.activities.LogActivity, request, "bob")
    mine = api.call(api.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(bucket="today"), "bob")
    assert [(t.task.id, t.bucket) for t in mine.tasks] == [(task.id, "today")]
    team = api.call(api.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(team_id="team-a"), "sam")
    assert [t.task.id for t in team.tasks] == [task.id]
    assert "bucket must be one of" in api.refused(
        BAD, api.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(bucket="soon")
    )
    assert "time_zone" in api.refused(
        BAD, api.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(time_zone="Nowhere/Town")
    )
    api.refused(
        HIDDEN, api.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(team_id="team-a"), "root"
    )
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.tasks.ListMyTasks,
        tasks_pb2.ListMyTasksRequest(team_id="team-a"),
        "bob",
    )


def test_notifications_over_grpc(api, deal, world):
    world.uow.notifications.rows[("k1", "bob")] = Notification(
        id="k1",
        user_id="bob",
        kind="assigned",
        record_type="opportunity",
        record_id=deal.id,
        title="Deal assigned",
        text="",
        created_at=T0,
    )
    listed = api.call(
        api.notifications.ListNotifications, notifications_pb2.ListNotificationsRequest(), "bob"
    )
    assert [(n.id, n.kind, n.HasField("read_at")) for n in listed.notifications] == [
        ("k1", "assigned", False)
    ]
    count = notifications_pb2.CountUnreadNotificationsRequest()
    assert api.call(api.notifications.CountUnreadNotifications, count, "bob").unread == 1
    assert api.call(api.notifications.CountUnreadNotifications, count, "alice").unread == 0
    api.refused(
        HIDDEN,
        api.notifications.MarkNotificationsRead,
        notifications_pb2.MarkNotificationsReadRequest(ids=["k1"]),
        "alice",
    )
    api.refused(
        BAD,
        api.notifications.MarkNotificationsRead,
        notifications_pb2.MarkNotificationsReadRequest(),
    )
    marked = api.call(
        api.notifications.MarkNotificationsRead,
        notifications_pb2.MarkNotificationsReadRequest(all_unread=True),
        "bob",
    )
    assert marked.marked == 1


def test_customer_email_templates_and_preview_over_grpc(api, deal, world):
    request = customer_emails_pb2.SetCustomerEmailTemplateRequest(
        pipeline_id=world.pipeline.id,
        stage_key="propose",
        subject="{{ deal.name }}",
        body="<p>{{ contact.first_name }}</p>",
    )
    template = api.call(api.customer_emails.SetCustomerEmailTemplate, request, "root")
    assert (template.stage_key, template.enabled) == ("propose", True)
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.customer_emails.SetCustomerEmailTemplate,
        request,
        "alice",
    )
    request.body = "{{ contact.secret }}"
    assert "unknown placeholder" in api.refused(
        BAD, api.customer_emails.SetCustomerEmailTemplate, request, "root"
    )
    preview = api.call(
        api.customer_emails.PreviewCustomerEmail,
        customer_emails_pb2.PreviewCustomerEmailRequest(deal_id=deal.id, stage_key="propose"),
    )
    assert list(preview.emails) == [] and preview.skipped == ["the deal has no contact"]
    for user in ("tom", "root"):
        api.refused(
            HIDDEN,
            api.customer_emails.ListCustomerEmails,
            customer_emails_pb2.ListCustomerEmailsRequest(deal_id=deal.id),
            user,
        )


def test_bounces_over_grpc(api):
    from deals_dsn import dsn

    from crm_deals.adapters import metrics

    before = metrics.CUSTOMER_EMAIL_BOUNCES.labels("hard", "no matching e-mail")._value.get()
    report = dsn("ghost@example.test", message_id="<nobody@crm-deals>")
    answer = api.call(
        api.customer_emails.IngestBounce,
        customer_emails_pb2.IngestBounceRequest(message=report),
        "root",
    )
    (result,) = answer.results
    assert (result.recipient, result.status, result.severity, result.outcome) == (
        "ghost@example.test",
        "5.1.1",
        "hard",
        "no matching e-mail",
    )
    after = metrics.CUSTOMER_EMAIL_BOUNCES.labels("hard", "no matching e-mail")._value.get()
    assert after == before + 1
    assert "not a delivery status notification" in api.refused(
        BAD,
        api.customer_emails.IngestBounce,
        customer_emails_pb2.IngestBounceRequest(message=b"Subject: hi\r\n\r\nhello"),
        "root",
    )
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.customer_emails.IngestBounce,
        customer_emails_pb2.IngestBounceRequest(message=report),
        "alice",
    )
    listed = api.call(
        api.customer_emails.ListBouncedAddresses,
        customer_emails_pb2.ListBouncedAddressesRequest(),
        "root",
    )
    assert list(listed.addresses) == []
    assert "has not bounced" in api.refused(
        HIDDEN,
        api.customer_emails.ClearBouncedAddress,
        customer_emails_pb2.ClearBouncedAddressRequest(address="ghost@example.test"),
        "root",
    )
