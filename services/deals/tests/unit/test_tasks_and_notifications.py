"""A lead's interactions copied on conversion; ListMyTasks for a person and their supervisor;
reminders once per due time; notifications of assignments and mentions (commands once per
cause), and the notifications API over the rows the worker writes."""

import datetime as dt

import pytest
from deals_testkit import T0, WORKER
from test_conversions import _request

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain import tasks as task_rules
from crm_deals.domain.activities import Activity
from crm_deals.domain.notifications import Notification
from crm_deals.service_layer import activities, deals, notifications, tasks
from crm_deals.service_layer.conversion_interactions import LeadInteraction
from crm_deals.service_layer.conversions import convert_lead

HOUR = dt.timedelta(hours=1)


def _task(world, caller, due_at, owner="", subject="Follow up", target=None):
    target = target or world.deal()
    return world.call(
        activities.log_activity,
        caller,
        target_type="opportunity",
        target_id=target.id,
        kind="task",
        subject=subject,
        due_at=due_at,
        owner_user_id=owner,
    )


def test_a_leads_call_and_meeting_move_to_the_contact_and_the_deal_with_authors_and_times(world):
    call_at, meeting_at = T0 - 48 * HOUR, T0 - 24 * HOUR
    interactions = (
        LeadInteraction(
            id="i1",
            kind="call",
            subject="Discovery call",
            logged_by="alice",
            owner_user_id="alice",
            occurred_at=call_at,
            created_at=call_at,
            direction="outbound",
            outcome="connected",
            duration_minutes=20,
        ),
        LeadInteraction(
            id="i2",
            kind="meeting",
            subject="Demo",
            logged_by="bob",
            owner_user_id="bob",
            occurred_at=meeting_at,
            created_at=meeting_at + HOUR,
            duration_minutes=60,
        ),
        LeadInteraction(
            id="i3",
            kind="task",
            subject="Send pricing",
            logged_by="bob",
            owner_user_id="bob",
            occurred_at=meeting_at + 2 * HOUR,
            created_at=meeting_at + 2 * HOUR,
            due_at=T0 + HOUR,
        ),
    )
    done = convert_lead(world.deps, WORKER, _request(interactions=interactions))

    def timeline(target_type, target_id):
        page = world.call(
            activities.timeline, world.sam, target_type=target_type, target_id=target_id
        )
        return [
            (a.kind, a.subject, a.logged_by, a.occurred_at, a.outcome, a.duration_minutes)
            for a in page.items
        ]

    contact = timeline("contact", done.contact_id)
    assert contact == [
        ("meeting", "Demo", "bob", meeting_at, "", 60),
        ("call", "Discovery call", "alice", call_at, "connected", 20),
    ]
    assert timeline("opportunity", done.opportunity_id)[1:] == contact
    (task,) = [a for a in world.uow.activities.rows.values() if a.is_task]
    assert (task.target_type, task.owner_user_id, task.due_at) == (
        "opportunity",
        "bob",
        T0 + HOUR,
    )
    assert world.types().count("activity_logged") == 5
    # A redelivered request copies nothing again.
    convert_lead(world.deps, WORKER, _request(interactions=interactions))
    assert world.types().count("activity_logged") == 5


def test_tasks_due_today_for_a_person_and_their_supervisor(world):
    deal = world.deal()
    mine_today = _task(world, world.alice, T0 + 2 * HOUR, subject="today", target=deal)
    overdue = _task(world, world.alice, T0 - HOUR, subject="overdue", target=deal)
    _task(world, world.alice, T0 + 48 * HOUR, subject="this week", target=deal)  # Wed of Mon
    _task(world, world.alice, T0 + 10 * 24 * HOUR, subject="later", target=deal)
    bobs = _task(world, world.bob, T0 + 3 * HOUR, subject="bob today", target=deal)
    toms = _task(
        world,
        world.tom,
        T0 + HOUR,
        target=world.deal(world.tom, account=world.account(world.tom, team_id="team-b")),
    )

    def listed(caller, **kw):
        page = world.call(tasks.list_my_tasks, caller, **kw)
        return [(d.task.subject, d.bucket) for d in page.items]

    assert listed(world.alice) == [
        ("overdue", "overdue"),
        ("today", "today"),
        ("this week", "this_week"),
    ]
    assert listed(world.alice, bucket="today") == [("today", "today")]
    assert [s for s, _ in listed(world.alice, bucket="all")][-1] == "later"
    # The supervisor sees the team's tasks due today; one member's with user_id.
    assert listed(world.sam, team_id="team-a", bucket="today") == [
        ("today", "today"),
        ("bob today", "today"),
    ]
    assert listed(world.sam, team_id="team-a", user_id="bob", bucket="today") == [
        ("bob today", "today")
    ]
    assert listed(world.mia, team_id="team-a", bucket="overdue") == [("overdue", "overdue")]
    with pytest.raises(PermissionDenied):
        listed(world.alice, team_id="team-a")
    for outsider in (world.tom, world.admin):
        with pytest.raises(NotFound):
            listed(outsider, team_id="team-a")
    assert toms.id not in {d.task.id for d in world.call(tasks.list_my_tasks, world.sam).items}
    # Done tasks leave the list.
    world.call(activities.complete_task, world.bob, mine_today.id)
    assert ("today", "today") not in listed(world.alice)
    assert {overdue.id, bobs.id} <= {
        d.task.id for d in world.call(tasks.list_my_tasks, world.sam, team_id="team-a").items
    }


def test_buckets_count_days_in_the_persons_time_zone():
    # 23:30 UTC on Sunday is already Monday 00:30 in Berlin (winter): a task due at 01:30 UTC
    # is next week's in UTC, today's in Berlin.
    now = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    task = Activity.log(
        id="t",
        team_id="t",
        kind="task",
        target_type="opportunity",
        target_id="d",
        subject="s",
        owner_user_id="u",
        actor=WORKER.actor,
        at=now,
        due_at=now + 2 * HOUR,  # 01:30 UTC Monday
    )
    assert task_rules.bucket_of(task, now, dt.UTC) == task_rules.LATER
    assert task_rules.bucket_of(task, now, task_rules.zone("Europe/Berlin")) == task_rules.TODAY
    with pytest.raises(InvalidArgument):
        task_rules.zone("Mars/Olympus")


def test_a_reminder_is_sent_once_per_due_time(world):
    task = _task(world, world.alice, T0 + 20 * dt.timedelta(minutes=1))
    far = _task(world, world.alice, T0 + 5 * HOUR)
    lead = dt.timedelta(minutes=30)
    assert world.call(tasks.send_task_reminders, WORKER, lead=lead) == 1
    assert world.call(tasks.send_task_reminders, WORKER, lead=lead) == 0
    (note,) = world.uow.events("automation_notification_requested")
    (mail,) = world.uow.events("automation_email_requested")
    assert note.cause.idempotency_key == f"reminder:{task.id}:{task.due_at.isoformat()}"
    assert (note.cause.trigger, note.cause.record_type) == ("reminder", "opportunity")
    assert list(note.recipient_user_ids) == ["alice"] == list(mail.recipient_user_ids)
    # Moved to a new due time, the task is reminded again; the far one in its own time.
    world.call(activities.update_activity, world.alice, task.id, due_at=T0 + 25 * (HOUR / 60))
    world.clock.set(T0 + 4 * HOUR + 45 * (HOUR / 60))
    assert world.call(tasks.send_task_reminders, WORKER, lead=lead) == 1
    keys = [e.cause.idempotency_key for e in world.uow.events("automation_notification_requested")]
    assert keys[-1] == f"reminder:{far.id}:{far.due_at.isoformat()}"


def test_assignments_and_mentions_notify_once_per_cause_never_the_actor(world):
    deal = world.deal()
    world.call(deals.reassign_deal, world.sam, deal.id, "bob", "workload")
    (assigned,) = world.uow.events("automation_notification_requested")
    assert (assigned.cause.trigger, list(assigned.recipient_user_ids)) == ("assigned", ["bob"])
    world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="note",
        subject="Pricing",
        mention_user_ids=("bob", "alice", "sam"),
    )
    mention = world.uow.events("automation_notification_requested")[-1]
    assert mention.cause.trigger == "mentioned"
    assert list(mention.recipient_user_ids) == ["bob", "sam"]
    with pytest.raises(InvalidArgument):
        world.call(
            activities.log_activity,
            world.alice,
            target_type="opportunity",
            target_id=deal.id,
            kind="note",
            subject="x",
            mention_user_ids=("tom",),
        )


def _notification(world, deal, key, user="bob", minutes=0, kind="assigned"):
    row = Notification(
        id=key,
        user_id=user,
        kind=kind,
        record_type="opportunity",
        record_id=deal.id,
        title=key,
        text="",
        created_at=T0 + dt.timedelta(minutes=minutes),
    )
    world.uow.notifications.rows[(key, user)] = row
    return row


def test_notifications_are_personal_newest_first_and_marked_read(world):
    deal = world.deal()
    foreign = world.deal(world.tom, account=world.account(world.tom, team_id="team-b"))
    for minutes, key in ((1, "n1"), (2, "n2"), (3, "n3")):
        _notification(world, deal, key, minutes=minutes)
    _notification(world, deal, "n4", user="alice")
    _notification(world, foreign, "n5")  # bob cannot see team B's deal

    page = world.call(notifications.list_notifications, world.bob, size=2)
    assert [n.id for n in page.items] == ["n3", "n2"]
    rest = world.call(notifications.list_notifications, world.bob, cursor=page.next_cursor)
    assert [n.id for n in rest.items] == ["n1"]
    assert world.call(notifications.unread_count, world.bob) == 3
    assert world.call(notifications.mark_read, world.bob, ids=["n2"]) == 1
    assert world.call(notifications.unread_count, world.bob) == 2
    with pytest.raises(NotFound):  # alice's notification answers like an unknown id
        world.call(notifications.mark_read, world.bob, ids=["n4"])
    with pytest.raises(InvalidArgument):
        world.call(notifications.mark_read, world.bob, ids=[])
    assert world.call(notifications.mark_read, world.bob, ids=[], all_unread=True) == 2
    assert world.call(notifications.list_notifications, world.bob, unread_only=True).items == []
    assert world.call(notifications.unread_count, world.alice) == 1


def test_a_lead_tasks_reminder_is_seen_by_its_owner_in_the_leads_team_only(world):
    """A reminder of a task on a lead (leads' lead_task_reminder_due) is a notification on a
    record deals does not keep: it is visible by the lead's team when it was written."""
    for user, team in (("bob", "team-a"), ("tom", "team-a")):
        world.uow.notifications.rows[(f"r-{user}", user)] = Notification(
            id=f"r-{user}",
            user_id=user,
            kind="reminder",
            record_type="lead",
            record_id="lead-1",
            title="Task due",
            text="",
            created_at=T0,
            team_id=team,
        )
    assert [n.id for n in notifications.list_notifications(world.deps, world.bob).items] == [
        "r-bob"
    ]
    # tom (team B) is no member of the lead's team: nothing, as for a deal of team A.
    assert notifications.list_notifications(world.deps, world.tom).items == []
    with world.deps.uow() as uow:
        tasks.remind_lead_task(
            uow,
            WORKER,
            task_id="t1",
            lead_id="lead-1",
            lead_version=3,
            team_id="team-a",
            owner_user_id="bob",
            subject="Call back",
            due_at=T0,
            lead_name="Rita",
        )
        uow.commit()
    (command,) = world.uow.events("automation_notification_requested")
    assert command.cause.record_type == "lead" and command.cause.team_id == "team-a"
    assert list(command.recipient_user_ids) == ["bob"]
    assert len(world.uow.events("automation_email_requested")) == 1
