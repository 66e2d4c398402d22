"""Activities: one timeline, teammates may log (actor recorded), tasks with due dates."""

import datetime as dt

import pytest
from deals_testkit import T0

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_deals.service_layer import accounts, activities, closing


def test_a_teammate_logs_on_a_colleagues_deal_and_is_recorded_as_the_actor(world):
    deal = world.deal()  # alice's deal
    call = world.call(
        activities.log_activity,
        world.bob,
        target_type="opportunity",
        target_id=deal.id,
        kind="call",
        subject="Covered for Alice",
        owner_user_id="alice",
        direction="outbound",
        duration_minutes=15,
    )
    assert (call.logged_by, call.owner_user_id, call.team_id) == ("bob", "alice", "team-a")
    event = world.uow.events("activity_logged")[0]
    assert event.meta.actor.id == "bob" and event.activity.owner_user_id == "alice"
    with pytest.raises(NotFound):
        world.call(
            activities.log_activity,
            world.tom,
            target_type="opportunity",
            target_id=deal.id,
            kind="note",
            subject="not my team",
        )


def test_activity_rules_give_clear_messages(world):
    deal = world.deal()

    def log(**kw):
        return world.call(
            activities.log_activity, world.alice, target_type="opportunity", target_id=deal.id, **kw
        )

    with pytest.raises(InvalidArgument, match="kind must be one of call, email"):
        log(kind="fax", subject="x")
    with pytest.raises(InvalidArgument, match="a task needs a due date"):
        log(kind="task", subject="x")
    with pytest.raises(InvalidArgument, match="only tasks have a due date"):
        log(kind="note", subject="x", due_at=T0)
    with pytest.raises(InvalidArgument, match="calls and e-mails only"):
        log(kind="note", subject="x", direction="inbound")
    with pytest.raises(InvalidArgument, match="cannot have happened in the future"):
        log(kind="meeting", subject="x", occurred_at=T0 + dt.timedelta(days=1))
    with pytest.raises(InvalidArgument, match="subject is required"):
        log(kind="note", subject="")
    with pytest.raises(InvalidArgument, match="logged on one of account, contact"):
        world.call(
            activities.log_activity,
            world.alice,
            target_type="lead",
            target_id="x",
            kind="note",
            subject="x",
        )


def test_tasks_are_done_and_undone_by_any_teammate(world):
    deal = world.deal()
    task = world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="task",
        subject="Send offer",
        due_at=T0 + dt.timedelta(days=2),
    )
    assert not task.is_overdue(T0) and task.is_overdue(T0 + dt.timedelta(days=3))
    task = world.call(activities.complete_task, world.bob, task.id)
    assert task.done_at == T0
    with pytest.raises(FailedPrecondition, match="already done"):
        world.call(activities.complete_task, world.bob, task.id)
    task = world.call(activities.complete_task, world.alice, task.id, done=False)
    assert task.done_at is None
    note = world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="note",
        subject="n",
    )
    with pytest.raises(FailedPrecondition, match="not a task"):
        world.call(activities.complete_task, world.alice, note.id)
    with pytest.raises(PermissionDenied, match="only the person who logged"):
        world.call(activities.update_activity, world.bob, note.id, subject="edited")
    assert (
        world.call(activities.update_activity, world.sam, note.id, subject="edited").subject
        == "edited"
    )


def test_an_accounts_timeline_shows_its_contacts_and_deals_newest_first(world):
    account = world.account()
    contact = world.call(
        accounts.create_contact, world.alice, account_id=account.id, last_name="Doe"
    )
    deal = world.deal(account=account)
    for target_type, target_id, minutes in (
        ("account", account.id, 1),
        ("contact", contact.id, 2),
        ("opportunity", deal.id, 3),
    ):
        world.call(
            activities.log_activity,
            world.alice,
            target_type=target_type,
            target_id=target_id,
            kind="note",
            subject=target_type,
            occurred_at=T0 - dt.timedelta(minutes=10 - minutes),
        )
    page = world.call(activities.timeline, world.alice, target_type="account", target_id=account.id)
    assert [a.subject for a in page.items] == ["opportunity", "contact", "account"]
    only_deal = world.call(
        activities.timeline, world.alice, target_type="opportunity", target_id=deal.id
    )
    assert [a.subject for a in only_deal.items] == ["opportunity"]
    with pytest.raises(InvalidArgument, match="unknown activity kind"):
        world.call(
            activities.timeline,
            world.alice,
            target_type="account",
            target_id=account.id,
            kinds=frozenset({"fax"}),
        )


def test_a_note_on_a_closed_deal_is_allowed_and_does_not_edit_the_deal(world):
    deal = world.deal()
    world.call(closing.close_lost, world.alice, deal.id, reason="price")
    version = world.get("opportunities", deal.id).version
    world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="note",
        subject="post mortem",
    )
    assert world.get("opportunities", deal.id).version == version


def test_texts_and_ids_longer_than_their_fields_are_refused_with_the_limit(world):
    deal = world.deal()
    note = world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="note",
        subject="short",
    )
    huge = "\u03a9" * 12_000
    with pytest.raises(InvalidArgument, match="subject is longer than 200 characters"):
        world.call(activities.update_activity, world.alice, note.id, subject=huge)
    with pytest.raises(InvalidArgument, match="subject is longer than 200 characters"):
        world.call(
            activities.log_activity,
            world.alice,
            target_type="opportunity",
            target_id=deal.id,
            kind="note",
            subject=huge,
        )
    with pytest.raises(NotFound):
        world.call(activities.update_activity, world.alice, huge, subject="edited")
    with pytest.raises(NotFound):
        world.call(
            activities.log_activity,
            world.alice,
            target_type="opportunity",
            target_id=huge,
            kind="note",
            subject="x",
        )
