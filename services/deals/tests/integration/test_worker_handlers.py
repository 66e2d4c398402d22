"""The worker's event handlers in-process (the chassis' inbox wrapper, no broker) on
PostgreSQL: a rejected conversion leaves only its rejection; a leaver's open deals are handed
over from the scope replica's members, once; identity's users become e-mail addresses."""

from __future__ import annotations

import uuid

import pytest
from deals_fake_ports import FakeHandover, FakePricing
from deals_testkit import STAGES, eur
from sqlalchemy import func, select
from test_worker_process import conversion_requested

from crm.identity.v1 import events_pb2 as identity_events
from crm.territory.v1 import events_pb2 as territory_events
from crm.territory.v1 import sales_lines_pb2, teams_pb2
from crm_chassis import events
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_deals.adapters import orm
from crm_deals.adapters.user_directory import addresses_of
from crm_deals.entrypoints import worker
from crm_deals.entrypoints.settings import load
from crm_deals.entrypoints.wiring import build_worker_dependencies
from crm_deals.service_layer import accounts, deals, pipelines
from crm_deals.service_layer.access import Caller

pytestmark = pytest.mark.integration
ADMIN = Caller("root", roles=frozenset({"admin"}))


@pytest.fixture
def deps(database_url, engine):
    deps = build_worker_dependencies(
        load(env={}, database_url=database_url),
        engine=engine,
        pricing=FakePricing(),
        handover=FakeHandover(),
    )
    yield deps
    deps.close()


@pytest.fixture
def handlers(deps):
    """The worker class without nameko: each decorated method runs through handle_once, on the
    dependencies nameko's ServiceDependencies would give it."""
    instance = worker.DealsWorker.__new__(worker.DealsWorker)
    instance.deps = deps
    return instance


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _payloads(engine, event_type: str, aggregate_id: str) -> list[str]:
    t = orm.outbox
    with engine.connect() as conn:
        return (
            conn.execute(
                select(t.c.payload).where(
                    t.c.event_type == event_type, t.c.aggregate_id == aggregate_id
                )
            )
            .scalars()
            .all()
        )


def line_changed(line_id: str, name: str, version: int, active: bool = True):
    message = territory_events.SalesLineChanged(
        sales_line=sales_lines_pb2.SalesLine(
            id=line_id,
            name=name,
            workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
            active=active,
            version=version,
        ),
        change=territory_events.CHANGE_KIND_CREATED
        if version == 1
        else territory_events.CHANGE_KIND_UPDATED,
    )
    events.stamp(
        message,
        producer="territory",
        event_type="sales_line_changed",
        aggregate_type="sales_line",
        aggregate_id=line_id,
        aggregate_version=version,
    )
    return message


def test_territorys_sales_lines_are_kept_newest_first_once(handlers, deps):
    line = f"line-{uuid.uuid4().hex[:8]}"
    created = line_changed(line, "SMB", 1)
    assert handlers.on_sales_line_changed(created) is True
    assert handlers.on_sales_line_changed(created) is False  # redelivered
    handlers.on_sales_line_changed(line_changed(line, "SMB Europe", 3, active=False))
    handlers.on_sales_line_changed(line_changed(line, "stale", 2))  # late
    with deps.uow() as uow:
        stored = uow.sales_lines.get(line)
    assert (stored.name, stored.workflow, stored.active, stored.version) == (
        "SMB Europe",
        "quote",
        False,
        3,
    )


def _team(deps, team: str, *members: str) -> None:
    with deps.uow() as uow:
        for user in members:
            apply_user_access_changed(
                uow.session,
                user_access_changed_message(user, 1, [Grant(team, "expert", "membership")]),
            )
        uow.commit()
    deps.scopes.replica.invalidate()


def test_a_rejected_conversion_leaves_only_its_rejection_once(handlers, engine):
    conversion_id = uuid.uuid4().hex
    event = conversion_requested(conversion_id, uuid.uuid4().hex, "line-without-pipeline", 1)
    accounts_before = _count(engine, orm.accounts)
    assert handlers.on_lead_conversion_requested(event) is True
    assert handlers.on_lead_conversion_requested(event) is False  # redelivered
    [payload] = _payloads(engine, "lead_conversion_rejected", conversion_id)
    assert "has no pipeline yet" in payload
    assert _count(engine, orm.accounts) == accounts_before
    assert _count(engine, orm.conversions, orm.conversions.c.conversion_id == conversion_id) == 0


def test_an_invalid_amount_is_rejected_for_good(handlers, engine):
    conversion_id = uuid.uuid4().hex
    event = conversion_requested(conversion_id, uuid.uuid4().hex, "line-x", 1)
    event.conversion.expected_amount.amount = "12.345"
    handlers.on_lead_conversion_requested(event)
    [payload] = _payloads(engine, "lead_conversion_rejected", conversion_id)
    assert '"retryable"' not in payload and "decimal places" in payload


def test_a_leavers_open_deals_go_to_the_remaining_members_once(handlers, deps, engine):
    team, line = f"team-{uuid.uuid4().hex[:8]}", f"line-{uuid.uuid4().hex[:8]}"
    leaver, stays = f"leaver-{team}", f"stays-{team}"
    _team(deps, team, leaver, stays)
    handlers.on_sales_line_changed(line_changed(line, f"Line {line}", 1))
    pipelines.create_pipeline(deps, ADMIN, sales_line_id=line, name="H", stages=STAGES)
    caller = Caller(leaver)
    account = accounts.create_account(deps, caller, team_id=team, name="Acme")
    deal = deals.create_deal(
        deps,
        caller,
        name="Rollout",
        account_id=account.id,
        sales_line_id=line,
        currency="EUR",
        estimated_revenue=eur("100.00"),
    )
    _team(deps, team, stays)  # the leaver's scopes end (as territory publishes them)
    with deps.uow() as uow:
        apply_user_access_changed(uow.session, user_access_changed_message(leaver, 2))
        uow.commit()
    deps.scopes.replica.invalidate()
    ended = territory_events.MembershipChanged(
        membership=teams_pb2.Membership(
            id=uuid.uuid4().hex, team_id=team, user_id=leaver, end_reason="moved to team Z"
        ),
        change=territory_events.CHANGE_KIND_ENDED,
    )
    events.stamp(
        ended,
        producer="territory",
        event_type="membership_changed",
        aggregate_type="membership",
        aggregate_id=ended.membership.id,
        aggregate_version=3,
    )

    assert handlers.on_membership_changed(ended) is True
    assert handlers.on_membership_changed(ended) is False
    with deps.uow() as uow:
        assert uow.opportunities.get(deal.id).owner_user_id == stays
    assert len(_payloads(engine, "deal_updated", deal.id)) == 1


def test_identity_users_become_addresses_newest_version_wins(handlers, deps):
    user = f"user-{uuid.uuid4().hex[:8]}"

    def snapshot(cls, version, email, status="active"):
        message = cls(
            user=identity_events.UserSnapshot(
                id=user, email=email, display_name="U", status=status, version=version
            )
        )
        events.stamp(
            message,
            producer="identity",
            event_type="user_x",
            aggregate_type="user",
            aggregate_id=user,
            aggregate_version=version,
        )
        return message

    handlers.on_user_created(snapshot(identity_events.UserCreated, 1, "old@example.test"))
    handlers.on_user_updated(snapshot(identity_events.UserUpdated, 3, "new@example.test"))
    handlers.on_user_updated(snapshot(identity_events.UserUpdated, 2, "stale@example.test"))
    with deps.uow() as uow:
        assert addresses_of(uow.session, [user]) == {user: ("U", "new@example.test")}
    handlers.on_user_deactivated(
        snapshot(identity_events.UserDeactivated, 4, "new@example.test", status="deactivated")
    )
    with deps.uow() as uow:
        assert addresses_of(uow.session, [user]) == {}


def test_a_lead_tasks_reminder_is_one_notification_and_one_email_however_often_it_arrives(
    handlers, engine
):
    """leads' lead_task_reminder_due: the task's owner gets the reminder in the app and by
    e-mail, keyed by the task and its due time; a redelivered event adds nothing."""
    from google.protobuf.timestamp_pb2 import Timestamp

    from crm.leads.v1 import events_pb2 as leads_events
    from crm.leads.v1 import interactions_pb2

    lead_id, task_id = f"lead-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    message = leads_events.LeadTaskReminderDue(
        task=interactions_pb2.LeadInteraction(
            id=task_id,
            lead_id=lead_id,
            team_id="team-a",
            kind=interactions_pb2.INTERACTION_KIND_TASK,
            subject="Call back",
            owner_user_id="bob",
            due_at=Timestamp(seconds=1_800_000_000),
        ),
        team_id="team-a",
        lead_name="Rita Lead",
    )
    events.stamp(
        message,
        producer="leads",
        event_type="lead_task_reminder_due",
        aggregate_type="lead",
        aggregate_id=lead_id,
        aggregate_version=4,
    )
    assert handlers.on_lead_task_reminder_due(message) is True
    assert handlers.on_lead_task_reminder_due(message) is False  # redelivered
    from crm.deals.v1 import events_pb2 as deals_events

    (notification,) = _payloads(engine, "automation_notification_requested", lead_id)
    (email,) = _payloads(engine, "automation_email_requested", lead_id)
    command = events.decode(notification, deals_events.AutomationNotificationRequested)
    assert list(command.recipient_user_ids) == ["bob"]
    assert command.cause.idempotency_key.startswith(f"reminder:lead-task:{task_id}:")
    assert (command.cause.record_type, command.cause.team_id) == ("lead", "team-a")
    assert "Rita Lead" in command.text and command.title.endswith("Call back")
    assert events.decode(email, deals_events.AutomationEmailRequested).recipient_user_ids == ["bob"]
