"""Domain objects as the protobuf messages of the events territory publishes
(``crm.territory.v1`` events and the resources they carry), and the helpers that emit the
structure events. The gRPC answers carry the same resource messages
(``adapters/grpc_mapping.py`` uses these builders for them)."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from crm.common.v1 import money_pb2
from crm.territory.v1 import (
    access_pb2,
    events_pb2,
    org_pb2,
    routing_pb2,
    sales_lines_pb2,
    teams_pb2,
    territories_pb2,
)
from crm_chassis.context import Actor
from crm_territory.domain.access import Scope, Via
from crm_territory.domain.assignment import OwnerChoice, SkipReason
from crm_territory.domain.org import OrgSettings, OrgUnit
from crm_territory.domain.people import Person
from crm_territory.domain.routing import RoutingDecision, UnroutableReason
from crm_territory.domain.rules import Rule
from crm_territory.domain.sales_lines import SalesLine, Target, WorkflowKind
from crm_territory.domain.teams import Membership, RoutingStrategy, Team, TeamRole
from crm_territory.domain.territories import Territory
from crm_territory.domain.values import Money
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

ROLE = {
    TeamRole.EXPERT: teams_pb2.TEAM_ROLE_EXPERT,
    TeamRole.SUPERVISOR: teams_pb2.TEAM_ROLE_SUPERVISOR,
    TeamRole.MANAGER: teams_pb2.TEAM_ROLE_MANAGER,
}
STRATEGY = {
    RoutingStrategy.ROUND_ROBIN: teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN,
    RoutingStrategy.LOAD_BALANCED: teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED,
}
WORKFLOW = {
    WorkflowKind.CONTRACT: sales_lines_pb2.WORKFLOW_KIND_CONTRACT,
    WorkflowKind.QUOTE: sales_lines_pb2.WORKFLOW_KIND_QUOTE,
}
SOURCE = {
    Via.MEMBERSHIP: access_pb2.SCOPE_SOURCE_MEMBERSHIP,
    Via.UNIT_MANAGER: access_pb2.SCOPE_SOURCE_UNIT_MANAGER,
}
SKIP = {r: routing_pb2.SkipReason.Value(f"SKIP_REASON_{r.name}") for r in SkipReason}
UNROUTABLE = {
    r: routing_pb2.UnroutableReason.Value(f"UNROUTABLE_REASON_{r.name}") for r in UnroutableReason
}


def ts(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def money(value: Money | None) -> money_pb2.Money | None:
    return None if value is None else money_pb2.Money(amount=value.text(), currency=value.currency)


def settings(s: OrgSettings) -> org_pb2.OrgSettings:
    return org_pb2.OrgSettings(
        level_names=list(s.level_names),
        unassigned_queue_team_id=s.unassigned_queue_team_id,
        version=s.version,
    )


def unit(u: OrgUnit, level_names: tuple[str, ...]) -> org_pb2.OrgUnit:
    return org_pb2.OrgUnit(
        id=u.id,
        name=u.name,
        level=u.level,
        level_name=level_names[u.level - 1],
        department=u.department,
        parent_id=u.parent_id,
        manager_user_ids=sorted(u.manager_user_ids),
        active=u.active,
        created_at=ts(u.created_at),
        version=u.version,
    )


def team(t: Team) -> teams_pb2.Team:
    return teams_pb2.Team(
        id=t.id,
        name=t.name,
        unit_id=t.unit_id,
        strategy=STRATEGY[t.strategy],
        time_zone=t.time_zone,
        active=t.active,
        created_at=ts(t.created_at),
        version=t.version,
    )


def membership(m: Membership) -> teams_pb2.Membership:
    return teams_pb2.Membership(
        id=m.id,
        team_id=m.team_id,
        user_id=m.user_id,
        role=ROLE[m.role],
        starts_at=ts(m.starts_at),
        ends_at=ts(m.ends_at),
        daily_capacity=m.daily_capacity or 0,
        takes_leads=m.takes_leads,
        paused=m.paused,
        end_reason=m.end_reason,
        version=m.version,
    )


def sales_line(line: SalesLine) -> sales_lines_pb2.SalesLine:
    return sales_lines_pb2.SalesLine(
        id=line.id,
        name=line.name,
        description=line.description,
        workflow_kind=WORKFLOW[line.workflow_kind],
        pipeline_id=line.pipeline_id,
        team_ids=list(line.team_ids),
        active=line.active,
        version=line.version,
    )


def target(t: Target) -> sales_lines_pb2.Target:
    return sales_lines_pb2.Target(
        sales_line_id=t.sales_line_id,
        team_id=t.team_id,
        period=t.period.label,
        amount=money(t.amount),
        deal_count=t.deal_count,
        units=[
            sales_lines_pb2.UnitTarget(
                product_id=u.product_id,
                product_group=u.product_group,
                quantity=str(u.quantity),
                unit=u.unit,
            )
            for u in t.units
        ],
    )


def rule(r: Rule) -> territories_pb2.RoutingRule:
    conditions = []
    for c in r.conditions:
        conditions.append(
            territories_pb2.RuleCondition(
                attribute=c.attribute,
                values=sorted(c.values),
                currency=c.currency,
                ranges=[
                    territories_pb2.ValueRange(
                        min="" if x.minimum is None else str(x.minimum),
                        max="" if x.maximum is None else str(x.maximum),
                    )
                    for x in c.ranges
                ],
            )
        )
    return territories_pb2.RoutingRule(
        id=r.id, name=r.name, conditions=conditions, description=r.describe()
    )


# Rule objects are immutable and shared by every unit of work of a structure version (see
# adapters/org_cache.py); each decision's explanation repeats its rule, so its message is built
# once per rule object. Keyed by identity (the entry holds the rule, so the id stays its own);
# entries are only ever copied from, never changed.
_RULE_MESSAGES: dict[int, tuple[Rule, territories_pb2.RoutingRule]] = {}
_RULE_MESSAGES_MAX = 4096


def _rule_message(r: Rule) -> territories_pb2.RoutingRule:
    cached = _RULE_MESSAGES.get(id(r))
    if cached is None or cached[0] is not r:
        if len(_RULE_MESSAGES) >= _RULE_MESSAGES_MAX:
            _RULE_MESSAGES.clear()
        cached = _RULE_MESSAGES[id(r)] = (r, rule(r))
    return cached[1]


def territory(t: Territory) -> territories_pb2.Territory:
    return territories_pb2.Territory(
        id=t.id,
        name=t.name,
        sales_line_id=t.sales_line_id,
        team_id=t.team_id,
        priority=t.priority,
        rules_version=t.rules_version,
        rules=[rule(r) for r in t.rules],
        active=t.active,
        version=t.version,
        pipeline_id=t.pipeline_id,
    )


def scope(s: Scope) -> access_pb2.Scope:
    return access_pb2.Scope(
        team_id=s.team_id, role=ROLE[s.role], source=SOURCE[s.via], unit_id=s.unit_id
    )


def user_scopes(person: Person, scopes: list[Scope]) -> access_pb2.UserScopes:
    return access_pb2.UserScopes(
        user_id=person.user_id,
        scopes=[scope(s) for s in scopes],
        access_version=person.access_version,
        active=person.active,
    )


def owner_choice(c: OwnerChoice) -> routing_pb2.OwnerChoice:
    positions = {
        n.user_id: i
        for i, n in enumerate(sorted(c.notes, key=lambda n: (n.queue_key, n.user_id)), start=1)
    }
    return routing_pb2.OwnerChoice(
        strategy=STRATEGY[c.strategy],
        owner_user_id=c.owner_user_id,
        reason=c.reason,
        candidates=[
            routing_pb2.CandidateNote(
                user_id=n.user_id,
                eligible=n.eligible,
                skip_reason=(
                    SKIP[n.skip_reason] if n.skip_reason else routing_pb2.SKIP_REASON_UNSPECIFIED
                ),
                open_items=n.open_items,
                assigned_today=n.assigned_today,
                daily_capacity=n.daily_capacity or 0,
                queue_position=positions[n.user_id],
            )
            for n in c.notes
        ],
    )


def explanation(d: RoutingDecision) -> routing_pb2.RoutingExplanation:
    message = routing_pb2.RoutingExplanation(summary=d.summary(), rules_tried=d.rules_tried)
    if d.match is not None:
        message.territory_id = d.match.territory.id
        message.territory_name = d.match.territory.name
        message.rule.CopyFrom(_rule_message(d.match.rule))
        message.rule_position = d.match.position
        message.rules_version = d.match.rules_version
    if d.choice is not None:
        message.owner_choice.CopyFrom(owner_choice(d.choice))
    return message


def emit_unit(
    uow: TerritoryUnitOfWork,
    changed: OrgUnit,
    change: events_pb2.ChangeKind.ValueType,
    actor: Actor | None,
    previous_parent_id: str = "",
) -> None:
    names = uow.settings.get().level_names
    uow.emit(
        "org_unit_changed",
        events_pb2.OrgUnitChanged(
            unit=unit(changed, names), change=change, previous_parent_id=previous_parent_id
        ),
        aggregate_type="org_unit",
        aggregate_id=changed.id,
        aggregate_version=changed.version,
        actor=actor,
    )


def emit_team(
    uow: TerritoryUnitOfWork,
    changed: Team,
    change: events_pb2.ChangeKind.ValueType,
    actor: Actor | None,
    previous_unit_id: str = "",
) -> None:
    uow.emit(
        "team_changed",
        events_pb2.TeamChanged(
            team=team(changed), change=change, previous_unit_id=previous_unit_id
        ),
        aggregate_type="team",
        aggregate_id=changed.id,
        aggregate_version=changed.version,
        actor=actor,
    )


def emit_membership(
    uow: TerritoryUnitOfWork,
    changed: Membership,
    change: events_pb2.ChangeKind.ValueType,
    actor: Actor | None,
    *,
    moved_from: str = "",
    moved_to: str = "",
) -> None:
    uow.emit(
        "membership_changed",
        events_pb2.MembershipChanged(
            membership=membership(changed),
            change=change,
            moved_from_team_id=moved_from,
            moved_to_team_id=moved_to,
        ),
        aggregate_type="membership",
        aggregate_id=changed.id,
        aggregate_version=changed.version,
        actor=actor,
    )
