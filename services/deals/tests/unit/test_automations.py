"""Automation rules: validation, exactly one command per committed change, stalled episodes."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from deals_testkit import T0, WORKER, eur

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied, ValidationErrors
from crm_deals.domain import automation
from crm_deals.service_layer import activities, automations, closing, deals

SECRET = "s3cret-s3cret-s3cret"


def _rule(world, trigger="stage_entered", caller=None, **kwargs):
    """A rule of team A, made by mia (manager of the unit above team A)."""
    kwargs.setdefault("team_ids", ["team-a"])
    kwargs.setdefault(
        "actions",
        [
            {
                "kind": "email",
                "recipients": ["owner", "manager"],
                "subject": "{{ deal.name }} is at {{deal.stage}}",
                "body": "Account {{ account.name }}: {{ deal.amount }}",
            }
        ],
    )
    if trigger == "stage_entered":
        kwargs.setdefault("stage_key", "propose")
    return world.call(
        automations.create_rule,
        caller or world.mia,
        pipeline_id=world.pipeline.id,
        name=f"on {trigger}",
        trigger=trigger,
        **kwargs,
    )


def test_entering_a_stage_emits_one_rendered_email_command_in_the_same_commit(world):
    _rule(world)
    deal = world.deal(estimated_revenue=eur("1200.00"))
    commits = world.uow.commits
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert world.uow.commits == commits + 1
    assert world.types()[-2:] == ["deal_stage_changed", "automation_email_requested"]
    mail = world.uow.events("automation_email_requested")[0]
    assert mail.subject == "Acme rollout is at Propose"
    assert mail.body == "Account Acme GmbH: 1200.00 EUR"
    assert list(mail.recipient_user_ids) == ["alice", "mia"]
    assert mail.cause.trigger == "stage_entered" and mail.cause.deal_id == deal.id
    # Other stages do not fire it; moving back and in again is a new change: a new key.
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "negotiate")
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    keys = [m.cause.idempotency_key for m in world.uow.events("automation_email_requested")]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_nothing_is_emitted_when_the_change_is_refused(world):
    _rule(world, trigger="won")
    deal = world.deal()
    with pytest.raises(InvalidArgument):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=None,
            actual_close_date=T0.date(),
        )
    assert world.uow.events("automation_email_requested") == []


def test_won_lost_notify_and_a_signed_webhook(world):
    _rule(
        world,
        trigger="won",
        actions=[
            {"kind": "notify", "recipients": ["team"], "subject": "Won!", "body": "{{deal.name}}"},
            {"kind": "webhook", "url": "https://hooks.example/deals"},
        ],
        webhook_secret=SECRET,
    )
    _rule(
        world,
        trigger="lost",
        actions=[
            {
                "kind": "notify",
                "recipients": ["owner"],
                "subject": "Lost",
                "body": "{{ deal.status }}",
            }
        ],
    )
    deal = world.deal()
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("7.00"),
        actual_close_date=T0.date(),
    )
    note = world.uow.events("automation_notification_requested")[0]
    assert list(note.recipient_user_ids) == ["alice", "bob", "sam"] and note.text == deal.name
    hook = world.uow.events("automation_webhook_requested")[0]
    payload = json.loads(hook.payload_json)
    assert hook.url == "https://hooks.example/deals" and payload["trigger"] == "won"
    assert payload["deal"]["status"] == "DEAL_STATUS_WON"
    other = world.deal(name="other")
    world.call(closing.close_lost, world.alice, other.id, reason="price")
    assert world.uow.events("automation_notification_requested")[-1].text == "lost"


def test_disabled_rules_do_not_fire(world):
    rule = _rule(world)
    world.call(automations.set_rule_enabled, world.mia, rule.id, False)
    deal = world.deal()
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert world.uow.events("automation_email_requested") == []
    assert [
        r.enabled for r in world.call(automations.list_rules, world.mia, world.pipeline.id)
    ] == [False]


def test_rule_validation(world):
    with pytest.raises(PermissionDenied):
        world.call(
            automations.create_rule,
            world.sam,
            pipeline_id=world.pipeline.id,
            name="x",
            trigger="won",
            actions=[],
            team_ids=["team-a"],
        )
    with pytest.raises(NotFound):
        world.call(
            automations.create_rule,
            world.mia,
            pipeline_id="nope",
            name="x",
            trigger="won",
            actions=[{"kind": "webhook", "url": "https://x.example"}],
            webhook_secret=SECRET,
            team_ids=["team-a"],
        )
    with pytest.raises(InvalidArgument, match="team_ids is required"):
        _rule(world, team_ids=[])
    with pytest.raises(InvalidArgument, match=r"unknown placeholder\(s\) \{\{deal.secret\}\}"):
        _rule(
            world,
            actions=[
                {
                    "kind": "email",
                    "recipients": ["owner"],
                    "subject": "s",
                    "body": "{{deal.secret}}",
                }
            ],
        )
    with pytest.raises(InvalidArgument, match="recipients must be one or more of owner"):
        _rule(
            world, actions=[{"kind": "email", "recipients": ["ceo"], "subject": "s", "body": "b"}]
        )
    with pytest.raises(InvalidArgument, match="url must be an http"):
        _rule(world, actions=[{"kind": "webhook", "url": "ftp://x"}], webhook_secret=SECRET)
    with pytest.raises(ValidationErrors, match="signing secret of at least 16"):
        _rule(world, trigger="won", actions=[{"kind": "webhook", "url": "https://x.example"}])
    with pytest.raises(ValidationErrors, match="a stage_entered rule needs a stage"):
        _rule(world, stage_key="nope")
    with pytest.raises(ValidationErrors, match="only stalled rules have it"):
        _rule(world, trigger="won", stalled_after_days=3)
    with pytest.raises(ValidationErrors, match="trigger"):
        _rule(world, trigger="sometimes")


def test_a_stalled_deal_fires_once_per_episode(world):
    _rule(
        world,
        trigger="stalled",
        stalled_after_days=7,
        actions=[
            {
                "kind": "notify",
                "recipients": ["owner"],
                "subject": "Stalled",
                "body": "{{deal.name}}",
            }
        ],
    )
    deal = world.deal()
    world.clock.advance(dt.timedelta(days=6))
    assert automations.scan_stalled_deals(world.deps, WORKER) == 0
    world.clock.advance(dt.timedelta(days=1))
    assert automations.scan_stalled_deals(world.deps, WORKER) == 1
    assert automations.scan_stalled_deals(world.deps, WORKER) == 0  # same episode
    world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="call",
        subject="ping",
    )
    assert automations.scan_stalled_deals(world.deps, WORKER) == 0  # activity: not stalled
    world.clock.advance(dt.timedelta(days=7))
    assert automations.scan_stalled_deals(world.deps, WORKER) == 1  # a new episode


def test_longer_in_stage_than_expected_is_stalled(world):
    _rule(
        world,
        trigger="stalled",
        actions=[
            {
                "kind": "notify",
                "recipients": ["manager"],
                "subject": "Slow",
                "body": "{{deal.stage}}",
            }
        ],
    )
    world.deal()
    world.clock.advance(dt.timedelta(days=14))
    assert automations.scan_stalled_deals(world.deps, WORKER) == 0  # qualify expects 14
    world.clock.advance(dt.timedelta(hours=1))
    assert automations.scan_stalled_deals(world.deps, WORKER) == 1
    assert list(world.uow.events("automation_notification_requested")[0].recipient_user_ids) == [
        "mia"
    ]


def test_stalled_since_and_webhook_signature_and_backoff():
    now = T0 + dt.timedelta(days=10)
    assert (
        automation.stalled_since(
            now=now,
            stage_entered_at=T0,
            last_activity_at=None,
            expected_days=0,
            stalled_after_days=10,
        )
        == "no activity for 10 days"
    )
    assert (
        automation.stalled_since(
            now=now,
            stage_entered_at=T0,
            last_activity_at=now,
            expected_days=0,
            stalled_after_days=10,
        )
        == ""
    )
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert automation.sign_webhook(SECRET, 1700000000, body) == f"t=1700000000,v1={expected}"
    assert [automation.webhook_retry_delay(n) for n in (1, 2, 6, 7)] == [10, 30, 3600, None]


def test_a_delivery_is_sent_once_and_retried_with_backoff_until_failed(world):
    from crm_deals.service_layer import deliveries

    rule, deal = _rule(world), world.deal()
    args = dict(idempotency_key="k1", rule_id=rule.id, deal_id=deal.id, kind="webhook")
    first = deliveries.begin(world.deps, WORKER, **args)
    assert first.attempts == 0
    deliveries.record_result(world.deps, WORKER, "k1", ok=False, error="HTTP 503")
    assert deliveries.begin(world.deps, WORKER, **args) is None  # waits for its retry
    world.clock.advance(dt.timedelta(seconds=10))
    assert [d.id for d in deliveries.due_retries(world.deps, WORKER)] == ["k1"]
    for delay in (0, 30, 120, 600, 1800, 3600):  # 1 attempt + 6 retries
        world.clock.advance(dt.timedelta(seconds=delay))
        assert deliveries.begin(world.deps, WORKER, **args) is not None
        failed = deliveries.record_result(world.deps, WORKER, "k1", ok=False, error="timeout")
    assert (failed.state, failed.attempts, failed.last_error) == ("failed", 7, "timeout")
    assert [
        d.id for d in deliveries.list_deliveries(world.deps, world.mia, rule.id, failed_only=True)
    ] == ["k1"]
    ok = dict(args, idempotency_key="k2")
    deliveries.begin(world.deps, WORKER, **ok)
    sent = deliveries.record_result(world.deps, WORKER, "k2", ok=True)
    assert sent.state == "sent"
    assert deliveries.begin(world.deps, WORKER, **ok) is None  # redelivered: no-op


def test_a_new_deal_enters_its_first_stage_and_fires_its_rules(world):
    _rule(world, stage_key="qualify")
    deal = world.deal()
    mail = world.uow.events("automation_email_requested")[0]
    assert mail.cause.deal_id == deal.id and mail.subject == "Acme rollout is at Qualify"
    from crm_deals.service_layer.conversions import LeadConversion, convert_lead

    convert_lead(
        world.deps,
        WORKER,
        LeadConversion(
            conversion_id="c1",
            lead_id="l1",
            team_id="team-a",
            owner_user_id="bob",
            sales_line_id="line-1",
            company_name="Initech",
            first_name="P",
            last_name="G",
        ),
    )
    assert len(world.uow.events("automation_email_requested")) == 2
