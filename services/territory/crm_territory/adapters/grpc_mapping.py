"""Translation between territory's gRPC messages and its use cases, both ways.

Requests -> use-case arguments: enums by name, timestamps, rules, a lead's attributes (every
input validated the same way whichever servicer it came through). Domain -> response messages:
the resources (teams, units, memberships, lines, territories, scopes, explanations) are the
messages the events carry, built once in ``service_layer/event_messages.py``; what only answers
carry (absences, rule versions and attributes, access decisions, routing decisions) is here.
"""

from __future__ import annotations

import datetime as dt

from crm.common.v1 import pagination_pb2
from crm.territory.v1 import access_pb2, routing_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_territory.domain.access import AccessDecision, Action, DenyReason
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.routing import Outcome, RoutingDecision
from crm_territory.domain.rules import ATTRIBUTES
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import Absence, RoutingStrategy, TeamRole
from crm_territory.domain.territories import RuleSetVersion
from crm_territory.domain.values import Money
from crm_territory.service_layer.event_messages import (
    UNROUTABLE,
    explanation,
    membership,
    money,
    owner_choice,
    rule,
    sales_line,
    scope,
    settings,
    target,
    team,
    territory,
    ts,
    unit,
    user_scopes,
)
from crm_territory.service_layer.territories import ConditionInput, RuleInput

__all__ = [  # the resource builders answers share with the events, re-exported for servicers
    "membership",
    "owner_choice",
    "sales_line",
    "settings",
    "target",
    "team",
    "territory",
    "unit",
    "user_scopes",
]

DENY = {r: getattr(access_pb2, f"DENY_REASON_{r.name}") for r in DenyReason}
OUTCOME = {
    Outcome.ROUTED: routing_pb2.ROUTING_OUTCOME_ROUTED,
    Outcome.UNROUTABLE: routing_pb2.ROUTING_OUTCOME_UNROUTABLE,
}


# ------------------------------------------------------------------ requests
def when(message, name: str) -> dt.datetime | None:
    """A Timestamp field as an aware UTC datetime; None when unset."""
    if not message.HasField(name):
        return None
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC)


# Proto enums <-> domain enums by name (crm_chassis.wire.enums): TEAM_ROLE_EXPERT is
# TeamRole.EXPERT; UNSPECIFIED is "not given"; a number this server does not know is refused.
def team_role(value: int, *, required: bool = True) -> TeamRole | None:
    if required:
        return enums.required_to_domain(teams_pb2.TeamRole, value, TeamRole, "role")
    return enums.to_domain(teams_pb2.TeamRole, value, TeamRole, "role")


def routing_strategy(value: int) -> RoutingStrategy | None:
    """None for unspecified (the use case keeps or defaults it)."""
    return enums.to_domain(teams_pb2.RoutingStrategy, value, RoutingStrategy, "strategy")


def workflow_kind(value: int) -> WorkflowKind | None:
    """None for unspecified (creating a line refuses it, an update keeps the line's)."""
    return enums.to_domain(sales_lines_pb2.WorkflowKind, value, WorkflowKind, "workflow_kind")


def access_action(value: int) -> Action | None:
    """None for unspecified (CheckAccess refuses it, listing the actions)."""
    return enums.to_domain(access_pb2.AccessAction, value, Action, "action")


def rule_inputs(messages) -> list[RuleInput]:
    return [
        RuleInput(
            name=m.name,
            id=m.id,
            conditions=[
                ConditionInput(
                    c.attribute, list(c.values), [(r.min, r.max) for r in c.ranges], c.currency
                )
                for c in m.conditions
            ],
        )
        for m in messages
    ]


def lead_facts(message: routing_pb2.LeadAttributes) -> LeadFacts:
    revenue = None
    if message.HasField("annual_revenue") and (
        message.annual_revenue.amount or message.annual_revenue.currency
    ):
        revenue = Money.parse(
            message.annual_revenue.amount,
            message.annual_revenue.currency,
            field="lead.annual_revenue",
        )
    size = message.company_size if message.HasField("company_size") else None
    if size is not None and size < 0:
        raise InvalidArgument("lead.company_size must not be negative", field="lead.company_size")
    return LeadFacts(
        lead_id=message.lead_id,
        country=message.country,
        region=message.region,
        city=message.city,
        postal_code=message.postal_code,
        industry=message.industry,
        company_size=size,
        annual_revenue=revenue,
        product_interests=tuple(message.product_interests),
        lead_source=message.lead_source,
        campaign=message.campaign,
        sales_line_id=message.sales_line_id,
    )


def territory_rules(message: territories_pb2.Territory) -> list[RuleInput]:
    return rule_inputs(message.rules)


# ------------------------------------------------------------------ responses
def page_info(next_cursor: str) -> pagination_pb2.PageInfo:
    return pagination_pb2.PageInfo(next_cursor=next_cursor)


def absence(a: Absence) -> teams_pb2.Absence:
    return teams_pb2.Absence(
        id=a.id,
        user_id=a.user_id,
        starts_at=ts(a.starts_at),
        ends_at=ts(a.ends_at),
        reason=a.reason,
        cancelled=a.cancelled,
    )


def rule_set_version(v: RuleSetVersion) -> territories_pb2.RuleSetVersion:
    return territories_pb2.RuleSetVersion(
        rules_version=v.version,
        rules=[rule(r) for r in v.rules],
        changed_at=ts(v.changed_at),
        changed_by=v.changed_by,
        comment=v.comment,
    )


def rule_attributes() -> list[territories_pb2.RuleAttribute]:
    return [
        territories_pb2.RuleAttribute(name=s.name, kind=s.kind.value, description=s.description)
        for s in ATTRIBUTES.values()
    ]


def access_decision(d: AccessDecision) -> access_pb2.CheckAccessResponse:
    return access_pb2.CheckAccessResponse(
        allowed=d.allowed,
        reason=d.reason,
        deny_reason=DENY[d.deny_reason] if d.deny_reason else 0,
        scope=scope(d.scope) if d.scope is not None else None,
    )


def lead_attributes(facts: LeadFacts) -> routing_pb2.LeadAttributes:
    message = routing_pb2.LeadAttributes(
        lead_id=facts.lead_id,
        country=facts.country,
        region=facts.region,
        city=facts.city,
        postal_code=facts.postal_code,
        industry=facts.industry,
        annual_revenue=money(facts.annual_revenue),
        product_interests=list(facts.product_interests),
        lead_source=facts.lead_source,
        campaign=facts.campaign,
        sales_line_id=facts.sales_line_id,
    )
    if facts.company_size is not None:
        message.company_size = facts.company_size
    return message


def decision(d: RoutingDecision) -> routing_pb2.RoutingDecision:
    """A preview: the lead's attributes are the ones the caller sent, echoed whole."""
    message = stored_decision(d)
    message.lead.CopyFrom(lead_attributes(d.lead))
    return message


def assigning_facts(facts: LeadFacts) -> routing_pb2.LeadAttributes:
    """What placing or reassigning a lead needs of it besides the decision: its id, line and
    coarse place. The rest (city, postal code, industry, size, revenue, interests, source,
    campaign) stays quarantined in leads, where team access applies."""
    return routing_pb2.LeadAttributes(
        lead_id=facts.lead_id,
        country=facts.country,
        region=facts.region,
        sales_line_id=facts.sales_line_id,
    )


def stored_decision(d: RoutingDecision) -> routing_pb2.RoutingDecision:
    """A decision taken (GetRoutingDecision, ListUnassignedLeads, RetryRouting): where the lead
    went and why, with only :func:`assigning_facts` of the lead."""
    return routing_pb2.RoutingDecision(
        lead_id=d.lead_id,
        outcome=OUTCOME[d.outcome],
        team_id=d.team_id,
        owner_user_id=d.owner_user_id,
        sales_line_id=d.sales_line_id,
        unroutable_reason=UNROUTABLE[d.unroutable_reason] if d.unroutable_reason else 0,
        explanation=explanation(d),
        decided_at=ts(d.decided_at),
        in_queue=d.in_queue,
        version=d.version,
        lead=assigning_facts(d.lead),
    )
