"""Tasks, reminders and notifications on PostgreSQL: ListMyTasks and the reminder timer through
the SQL repositories; a reminder reaches the owner once (one notification row, one e-mail to a
real SMTP sink) however often the timer runs and the broker redelivers its commands; the
notifications API reads and marks the rows the delivery wrote."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from deals_receivers import SmtpSink
from deals_sql_testkit import RecordingSqlUnitOfWork
from deals_testkit import T0, WORKER
from test_automation_delivery import _addresses, _committed_commands, _consume

from crm_chassis.db import make_session_factory
from crm_deals.adapters.automation_delivery import AutomationDelivery
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.service_layer import activities, notifications, tasks

pytestmark = pytest.mark.integration
LEAD = dt.timedelta(minutes=30)


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def delivery(sql_world, world_engine, smtp):
    factory = make_session_factory(world_engine)
    deps = dataclasses.replace(sql_world.deps, uow=lambda: RecordingSqlUnitOfWork(factory))
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="crm@example.test", timeout_seconds=5)
    webhooks = WebhookSender(timeout_seconds=5, allow_private_addresses=True)
    return AutomationDelivery(deps, mailer, webhooks, lease_seconds=60)


def _task(world, caller, due_at, subject, owner=""):
    deal = world.deal(caller)
    return world.call(
        activities.log_activity,
        caller,
        target_type="opportunity",
        target_id=deal.id,
        kind="task",
        subject=subject,
        due_at=due_at,
        owner_user_id=owner,
    )


def test_tasks_due_today_for_a_person_and_their_supervisor_on_postgres(sql_world):
    w = sql_world
    _task(w, w.alice, T0 + dt.timedelta(hours=2), "alice today")
    _task(w, w.alice, T0 - dt.timedelta(hours=2), "alice overdue")
    _task(w, w.bob, T0 + dt.timedelta(hours=3), "bob today")
    _task(w, w.bob, T0 + dt.timedelta(days=9), "bob later")
    done = _task(w, w.bob, T0 + dt.timedelta(hours=1), "bob done")
    w.call(activities.complete_task, w.bob, done.id)

    def subjects(caller, **kw):
        return [(d.task.subject, d.bucket) for d in w.call(tasks.list_my_tasks, caller, **kw).items]

    assert subjects(w.alice, bucket="today") == [("alice today", "today")]
    assert subjects(w.sam, team_id="team-a", bucket="today") == [
        ("alice today", "today"),
        ("bob today", "today"),
    ]
    assert subjects(w.sam, team_id="team-a") == [
        ("alice overdue", "overdue"),
        ("alice today", "today"),
        ("bob today", "today"),
    ]


def test_a_reminder_is_sent_once_under_redelivery(sql_world, world_engine, delivery, smtp):
    w = sql_world
    _addresses(delivery, "alice")
    task = _task(w, w.bob, T0 + dt.timedelta(minutes=20), "Call Acme back", owner="alice")
    _task(w, w.bob, T0 + dt.timedelta(hours=5), "Not yet")

    assert tasks.send_task_reminders(delivery.deps, WORKER, lead=LEAD) == 1
    assert tasks.send_task_reminders(delivery.deps, WORKER, lead=LEAD) == 0  # timer again
    commands = _committed_commands(world_engine)
    assert sorted(t for t, _ in commands) == [
        "automation_email_requested",
        "automation_notification_requested",
    ]
    _consume(delivery, commands, times=3)  # the broker redelivers the commands
    assert delivery.send_due() == 2
    _consume(delivery, commands)  # a late redelivery
    assert delivery.send_due() == 0

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["alice@example.test"]
    assert "Call Acme back" in message["Subject"]

    (row,) = w.call(notifications.list_notifications, w.alice).items
    assert (row.kind, row.record_type, row.unread) == ("reminder", "opportunity", True)
    assert row.id == f"reminder:{task.id}:{task.due_at.isoformat()}"
    assert w.call(notifications.unread_count, w.alice) == 1
    assert w.call(notifications.mark_read, w.alice, ids=[row.id]) == 1
    assert w.call(notifications.unread_count, w.alice) == 0
    assert w.call(notifications.list_notifications, w.bob).items == []
