"""Use cases of automation rules, and the firing of rules after a deal changes.

:func:`fire` runs inside the use case that made the change, in its unit of work: the commands
the rules decide become outbox rows of that same transaction (`automation_*_requested`), which
deals' worker consumes to notify, send the e-mail through SMTP or call the webhook. So nothing is
sent for a change that was not committed, and each command is carried out once (the worker
records its idempotency key in its inbox).

Who: a rule is scoped to teams (``team_ids``). Creating it, changing it, reading it and its
deliveries need the manager role over each of its teams (a manager of the team or of a unit
above it); being an administrator or in the management department grants nothing here. A rule
the caller may not read answers NOT_FOUND like an unknown id. Rules without teams (from before
rules had a scope; disabled by migration 0002 with ``disabled_reason``) are listed to
administrators and the management department, who made them, and can only stay disabled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crm_chassis.caller import USER
from crm_chassis.errors import NotFound
from crm_deals.domain import automation
from crm_deals.domain.automation import AutomationRule, make_action
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.ports import MANAGER
from crm_deals.service_layer.recording import keep_history, publish
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork
from crm_deals.service_layer.webhook_payloads import webhook_payload


def may_read(access: Access, rule: AutomationRule) -> bool:
    """Managers of each of the rule's teams; a rule without teams: administrators and the
    management department (it can only stay disabled)."""
    if not rule.scoped:
        return access.caller.kind == USER and (
            access.caller.is_admin or access.caller.in_management
        )
    return all(access.has(team, MANAGER) for team in rule.team_ids)


def readable_rule(uow: DealsUnitOfWork, access: Access, rule_id: str) -> AutomationRule:
    rule_id = automation.check_rule_id(rule_id)
    rule = uow.automation_rules.get(rule_id)
    if rule is None or not may_read(access, rule):
        raise NotFound(f"automation rule {rule_id!r} not found", field="rule_id")
    return rule


def create_rule(
    deps: Dependencies,
    caller: Caller,
    *,
    pipeline_id: str,
    name: str,
    trigger: str,
    actions: list[dict[str, Any]],
    team_ids: Iterable[str] = (),
    stage_key: str = "",
    stalled_after_days: int = 0,
    webhook_secret: str = "",
    include_personal_data: bool = False,
) -> AutomationRule:
    access = Access.of(caller, deps.scopes)
    team_ids = automation.clean_team_ids(team_ids)
    access.require_manager_of_each(team_ids, "an automation rule")
    parsed = [
        make_action(
            a.get("kind", ""),
            recipients=a.get("recipients", ()),
            subject=a.get("subject", ""),
            body=a.get("body", ""),
            url=a.get("url", ""),
            index=i,
        )
        for i, a in enumerate(actions)
    ]
    with deps.uow() as uow:
        pipeline = uow.pipelines.get(pipeline_id)
        if pipeline is None:
            raise NotFound(f"pipeline {pipeline_id!r} not found", field="pipeline_id")
        rule = AutomationRule.create(
            id=deps.ids.new_id(),
            pipeline=pipeline,
            name=name,
            trigger=trigger,
            actions=parsed,
            stage_key=stage_key,
            team_ids=team_ids,
            stalled_after_days=stalled_after_days,
            webhook_secret=automation.validate_secret(webhook_secret),
            include_personal_data=include_personal_data,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.automation_rules.add(rule)
        keep_history(uow, rule)
        publish(
            uow,
            "automation_rule_changed",
            event_messages.automation_rule_changed(rule),
            rule,
            caller,
        )
        uow.commit()
    return rule


def set_rule_enabled(
    deps: Dependencies, caller: Caller, rule_id: str, enabled: bool
) -> AutomationRule:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        rule = readable_rule(uow, access, rule_id)
        if rule.set_enabled(caller.actor, deps.clock.now(), enabled):
            uow.automation_rules.save(rule)
            keep_history(uow, rule)
            publish(
                uow,
                "automation_rule_changed",
                event_messages.automation_rule_changed(rule),
                rule,
                caller,
            )
            uow.commit()
    return rule


def list_rules(deps: Dependencies, caller: Caller, pipeline_id: str) -> list[AutomationRule]:
    """The pipeline's rules the caller may read (see :func:`may_read`), by name."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        rules = uow.automation_rules.for_pipeline(pipeline_id)
    return sorted((r for r in rules if may_read(access, r)), key=lambda r: r.name)


def template_values(uow: DealsUnitOfWork, deal: Opportunity, trigger: str) -> dict[str, str]:
    account = uow.accounts.get(deal.account_id)
    pipeline = uow.pipelines.get(deal.pipeline_id)
    return {
        "deal.id": deal.id,
        "deal.name": deal.name,
        "deal.stage": deal.stage_name,
        "deal.status": deal.status,
        "deal.probability": str(deal.probability),
        "deal.amount": str(deal.estimated_revenue) if deal.estimated_revenue else "",
        "deal.owner_id": deal.owner_user_id,
        "deal.close_date": event_messages.day(deal.estimated_close_date),
        "account.id": deal.account_id,
        "account.name": account.name if account else "",
        "pipeline.name": pipeline.name if pipeline else "",
        "trigger": trigger,
    }


def recipients_of(deps: Dependencies, deal: Opportunity, roles: tuple[str, ...]) -> list[str]:
    users: set[str] = set()
    if automation.OWNER in roles:
        users.add(deal.owner_user_id)
    if automation.TEAM in roles:
        users.update(m.user_id for m in deps.teams.members(deal.team_id))
    if automation.MANAGER in roles:
        users.update(deps.teams.managers_of(deal.team_id))
    return sorted(users)


def fire(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    deal: Opportunity,
    trigger: str,
    *,
    cause_id: str = "",
    stage_key: str = "",
    rules: list[AutomationRule] | None = None,
) -> int:
    """Emit the commands of the rules of ``deal``'s pipeline and team matching ``trigger``;
    returns how many. ``cause_id`` defaults to the deal's id and version (one change)."""
    rules = uow.automation_rules.for_pipeline(deal.pipeline_id) if rules is None else rules
    if not any(rule.matches(trigger, stage_key, team_id=deal.team_id) for rule in rules):
        return 0
    by_id = {rule.id: rule for rule in rules}
    commands = automation.decide(
        rules,
        trigger=trigger,
        deal_id=deal.id,
        stage_key=stage_key,
        team_id=deal.team_id,
        cause_id=cause_id or f"{deal.id}@{deal.version}",
        values=template_values(uow, deal, trigger),
    )
    for command in commands:
        if command.kind == automation.WEBHOOK:
            payload = webhook_payload(
                uow,
                deps,
                by_id[command.rule_id],
                deal,
                trigger=trigger,
                idempotency_key=command.idempotency_key,
            )
            event_type, message = event_messages.automation_requested(
                command,
                deal,
                trigger,
                payload_json=json.dumps(payload, sort_keys=True, separators=(",", ":")),
            )
        else:
            event_type, message = event_messages.automation_requested(
                command,
                deal,
                trigger,
                recipient_user_ids=recipients_of(deps, deal, command.recipients),
            )
        publish(uow, event_type, message, deal, caller)
    return len(commands)


def scan_stalled_deals(deps: Dependencies, caller: Caller, *, page_size: int = 200) -> int:
    """The worker's timer: fire each `stalled` rule once per stalled episode of an open deal (an
    episode ends when the deal changes stage or gets an activity). Returns commands emitted."""
    now = deps.clock.now()
    emitted, after = 0, ""
    while True:
        with deps.uow() as uow:
            page = uow.opportunities.all_open(after, page_size)
            rules_by_pipeline: dict[str, list[AutomationRule]] = {}
            for deal in page.items:
                if deal.pipeline_id not in rules_by_pipeline:  # read once per pipeline and page
                    rules_by_pipeline[deal.pipeline_id] = [
                        r
                        for r in uow.automation_rules.for_pipeline(deal.pipeline_id)
                        if r.trigger == automation.STALLED
                    ]
                rules = [
                    r
                    for r in rules_by_pipeline[deal.pipeline_id]
                    if r.matches(automation.STALLED, team_id=deal.team_id)
                ]
                if not rules:
                    continue
                pipeline = uow.pipelines.get(deal.pipeline_id)
                expected = (
                    pipeline.stage(deal.stage_key).expected_days
                    if pipeline and pipeline.has_stage(deal.stage_key)
                    else 0
                )
                last = uow.activities.last_activity_at("opportunity", deal.id)
                for rule in rules:
                    why = automation.stalled_since(
                        now=now,
                        stage_entered_at=deal.stage_entered_at,
                        last_activity_at=last,
                        expected_days=expected,
                        stalled_after_days=rule.stalled_after_days,
                    )
                    episode = (
                        f"stalled:{deal.id}:{deal.stage_entered_at.isoformat()}:"
                        f"{last.isoformat() if last else '-'}"
                    )
                    if why and uow.automation_firings.claim(f"{episode}:{rule.id}", now):
                        emitted += fire(
                            uow,
                            deps,
                            caller,
                            deal,
                            automation.STALLED,
                            cause_id=episode,
                            rules=[rule],
                        )
            uow.commit()
        if not page.next_key:
            return emitted
        after = page.next_key
