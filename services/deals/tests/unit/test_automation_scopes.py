"""Automation rules are scoped to teams: only a manager of each of its teams defines, reads or
changes a rule; it fires only for deals of its teams; a webhook carries no personal data unless
the rule asks for it and its author still sees the deal's team."""

import datetime as dt
import json

import pytest
from deals_testkit import T0, WORKER, eur

from crm_chassis.errors import FailedPrecondition, NotFound, PermissionDenied
from crm_deals.domain.automation import AutomationRule, make_action
from crm_deals.service_layer import accounts, automations, closing, deliveries
from crm_deals.service_layer.access import Caller

SECRET = "s3cret-s3cret-s3cret"
WEBHOOK = {"kind": "webhook", "url": "https://hooks.example/deals"}


def _webhook_rule(world, caller=None, team_ids=("team-a",), **kwargs):
    return world.call(
        automations.create_rule,
        caller or world.mia,
        pipeline_id=world.pipeline.id,
        name="export won deals",
        trigger="won",
        team_ids=list(team_ids),
        actions=[
            WEBHOOK,
            {
                "kind": "notify",
                "recipients": ["owner"],
                "subject": "won",
                "body": "{{ deal.name }}",
            },
        ],
        webhook_secret=SECRET,
        **kwargs,
    )


def _won_deal(world, caller=None, team_id="team-a"):
    caller = caller or world.alice
    account = world.account(caller, name="Acme GmbH", team_id=team_id)
    contact = world.call(
        accounts.create_contact,
        caller,
        account_id=account.id,
        first_name="Jane",
        last_name="Doe",
        email="jane.doe@acme.example",
        phone="+49 30 1234567",
    )
    deal = world.deal(
        caller,
        account=account,
        primary_contact_id=contact.id,
        name="Acme rollout for Jane Doe",
        estimated_revenue=eur("1200.00"),
    )
    world.call(
        closing.close_won,
        caller,
        deal.id,
        actual_revenue=eur("1100.00"),
        actual_close_date=T0.date(),
    )
    return deal


def _payloads(world) -> list[dict]:
    return [json.loads(m.payload_json) for m in world.uow.events("automation_webhook_requested")]


@pytest.mark.parametrize("who", ["admin", "boss"])
def test_an_administrator_or_the_management_department_in_no_team_cannot_define_a_rule(world, who):
    with pytest.raises(PermissionDenied) as refused:
        _webhook_rule(world, getattr(world, who))
    assert "needs the manager role over each of them" in str(refused.value)
    assert "'team-a'" in str(refused.value)
    assert world.uow.events("automation_rule_changed") == []


def test_a_rule_needs_a_manager_role_over_each_of_its_teams(world):
    with pytest.raises(PermissionDenied, match="'team-b'"):
        _webhook_rule(world, world.mia, team_ids=("team-a", "team-b"))
    for caller in (world.max, world.sam, world.alice):
        with pytest.raises(PermissionDenied):
            _webhook_rule(world, caller)
    rule = _webhook_rule(world, world.max, team_ids=("team-b",))
    assert (rule.team_ids, rule.author_user_id) == (("team-b",), "max")


def test_a_rule_fires_only_for_deals_of_its_teams(world):
    _webhook_rule(world)
    _won_deal(world, world.tom, team_id="team-b")
    assert world.uow.events("automation_webhook_requested") == []
    assert world.uow.events("automation_notification_requested") == []
    deal = _won_deal(world)
    assert [p["deal"]["id"] for p in _payloads(world)] == [deal.id]
    assert len(world.uow.events("automation_notification_requested")) == 1


def test_a_webhook_carries_no_personal_data_by_default(world):
    _webhook_rule(world)
    deal = _won_deal(world)
    [payload] = _payloads(world)
    assert payload["personal_data"] is False
    sent = payload["deal"]
    assert (sent["id"], sent["team_id"], sent["owner_user_id"]) == (deal.id, "team-a", "alice")
    assert (sent["stage_key"], sent["status"]) == ("qualify", "DEAL_STATUS_WON")
    assert sent["actual_revenue"] == {"amount": "1100.00", "currency": "EUR"}
    assert sent["actual_close_date"] == T0.date().isoformat()
    assert "name" not in sent and "account" not in payload and "primary_contact" not in payload
    text = json.dumps(payload)
    for personal in ("Jane", "Doe", "jane.doe@acme.example", "1234567", "Acme"):
        assert personal not in text


def test_personal_data_only_when_the_rule_asks_and_its_author_still_sees_the_team(world):
    _webhook_rule(world, include_personal_data=True)
    deal = _won_deal(world)
    [payload] = _payloads(world)
    assert payload["personal_data"] is True and payload["deal"]["name"] == deal.name
    assert payload["account"]["name"] == "Acme GmbH"
    assert (payload["primary_contact"]["email"], payload["primary_contact"]["last_name"]) == (
        "jane.doe@acme.example",
        "Doe",
    )
    world.scopes.revoke("mia", "team-a")  # mia no longer manages the unit above team A
    _won_deal(world)
    latest = _payloads(world)[-1]
    assert latest["personal_data"] is False and "primary_contact" not in latest
    assert "Jane" not in json.dumps(latest)


def test_only_managers_of_each_team_read_or_change_a_rule_and_its_deliveries(world):
    rule = _webhook_rule(world)
    deal = _won_deal(world)
    key = world.uow.events("automation_webhook_requested")[0].cause.idempotency_key
    deliveries.begin(
        world.deps, WORKER, idempotency_key=key, rule_id=rule.id, deal_id=deal.id, kind="webhook"
    )
    assert [r.id for r in world.call(automations.list_rules, world.mia, world.pipeline.id)] == [
        rule.id
    ]
    assert [d.id for d in world.call(deliveries.list_deliveries, world.mia, rule.id)] == [key]
    for caller in (world.admin, world.boss, world.max, world.alice, world.sam):
        assert world.call(automations.list_rules, caller, world.pipeline.id) == []
        for use_case, args in (
            (automations.set_rule_enabled, (rule.id, False)),
            (deliveries.list_deliveries, (rule.id,)),
        ):
            with pytest.raises(NotFound, match=f"automation rule '{rule.id}' not found"):
                world.call(use_case, caller, *args)
    # A rule of teams A and B belongs to whoever manages both, not to mia.
    world.teams.add_unit_manager("team-a", "una")
    world.teams.add_unit_manager("team-b", "una")
    both = _webhook_rule(world, Caller("una"), team_ids=("team-b", "team-a"))
    assert both.team_ids == ("team-a", "team-b")
    with pytest.raises(NotFound):
        world.call(automations.set_rule_enabled, world.mia, both.id, False)
    assert world.call(automations.set_rule_enabled, Caller("una"), both.id, False).enabled is False


def test_a_rule_without_teams_never_fires_and_cannot_be_enabled(world):
    legacy = AutomationRule(
        id="legacy-rule",
        pipeline_id=world.pipeline.id,
        name="old export",
        trigger="won",
        actions=(make_action("webhook", url="https://hooks.example/all"),),
        created_at=T0 - dt.timedelta(days=30),
        updated_at=T0 - dt.timedelta(days=30),
        webhook_secret=SECRET,
        enabled=True,
        version=1,
    )
    with world.uow:
        world.uow.automation_rules.add(legacy)
        world.uow.commit()
    _won_deal(world)
    assert world.uow.events("automation_webhook_requested") == []
    # Administrators and the management department, who made such rules, still see them.
    assert [r.id for r in world.call(automations.list_rules, world.boss, world.pipeline.id)] == [
        "legacy-rule"
    ]
    assert world.call(automations.list_rules, world.mia, world.pipeline.id) == []
    with pytest.raises(FailedPrecondition, match="names no team"):
        world.call(automations.set_rule_enabled, world.admin, "legacy-rule", True)


def test_bad_team_ids_name_the_entry(world):
    from crm_chassis.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"team_ids\[1\] is required"):
        _webhook_rule(world, team_ids=("team-a", " "))
    with pytest.raises(InvalidArgument, match=r"team_ids\[0\] is not a valid id"):
        _webhook_rule(world, team_ids=("x" * 65,))


def test_a_stalled_rule_fires_only_for_deals_of_its_teams(world):
    from crm_deals.service_layer import automations as use_cases

    world.call(
        use_cases.create_rule,
        world.max,
        pipeline_id=world.pipeline.id,
        name="slow B",
        trigger="stalled",
        stalled_after_days=7,
        team_ids=["team-b"],
        actions=[
            {
                "kind": "notify",
                "recipients": ["owner"],
                "subject": "Stalled",
                "body": "{{ deal.name }}",
            }
        ],
    )
    world.deal()  # team A
    b_deal = world.deal(world.tom, account=world.account(world.tom, team_id="team-b"))
    world.clock.advance(dt.timedelta(days=7))
    assert use_cases.scan_stalled_deals(world.deps, WORKER) == 1
    [note] = world.uow.events("automation_notification_requested")
    assert note.cause.deal_id == b_deal.id and list(note.recipient_user_ids) == ["tom"]
