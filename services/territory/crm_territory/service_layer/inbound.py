"""Protobuf messages to use-case inputs (for the gRPC servicers and the event handlers).

Kept next to the use cases so the edge stays a thin translation and every input is validated
the same way, whichever door it came through.
"""
from __future__ import annotations

from crm_chassis.errors import InvalidArgument

from crm.territory.v1 import access_pb2, routing_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_territory.domain.access import Action
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.domain.values import Money
from crm_territory.service_layer.territories import ConditionInput, RuleInput

_ROLES = {teams_pb2.TEAM_ROLE_EXPERT: TeamRole.EXPERT,
          teams_pb2.TEAM_ROLE_SUPERVISOR: TeamRole.SUPERVISOR,
          teams_pb2.TEAM_ROLE_MANAGER: TeamRole.MANAGER}
_STRATEGIES = {teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN: RoutingStrategy.ROUND_ROBIN,
               teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED: RoutingStrategy.LOAD_BALANCED}
_WORKFLOWS = {sales_lines_pb2.WORKFLOW_KIND_CONTRACT: WorkflowKind.CONTRACT,
              sales_lines_pb2.WORKFLOW_KIND_QUOTE: WorkflowKind.QUOTE}
_ACTIONS = {getattr(access_pb2, f"ACCESS_ACTION_{a.name}"): a for a in Action}


def role(value: int, *, required: bool = True) -> TeamRole | None:
    if value in _ROLES:
        return _ROLES[value]
    if value == teams_pb2.TEAM_ROLE_UNSPECIFIED and not required:
        return None
    raise InvalidArgument("role must be TEAM_ROLE_EXPERT, TEAM_ROLE_SUPERVISOR or "
                          "TEAM_ROLE_MANAGER", field="role")


def strategy(value: int) -> RoutingStrategy | None:
    """None for unspecified (the use case keeps or defaults it)."""
    if value == teams_pb2.ROUTING_STRATEGY_UNSPECIFIED:
        return None
    if value not in _STRATEGIES:
        raise InvalidArgument(f"unknown routing strategy {value}", field="strategy")
    return _STRATEGIES[value]


def workflow(value: int) -> WorkflowKind | None:
    return _WORKFLOWS.get(value)


def action(value: int) -> Action | None:
    return _ACTIONS.get(value)


def rules(messages) -> list[RuleInput]:
    return [RuleInput(name=m.name, id=m.id, conditions=[
        ConditionInput(c.attribute, list(c.values), [(r.min, r.max) for r in c.ranges],
                       c.currency) for c in m.conditions]) for m in messages]


def lead(message: routing_pb2.LeadAttributes) -> LeadFacts:
    revenue = None
    if message.HasField("annual_revenue") and (message.annual_revenue.amount
                                               or message.annual_revenue.currency):
        revenue = Money.parse(message.annual_revenue.amount, message.annual_revenue.currency,
                              field="lead.annual_revenue")
    size = message.company_size if message.HasField("company_size") else None
    if size is not None and size < 0:
        raise InvalidArgument("lead.company_size must not be negative", field="lead.company_size")
    return LeadFacts(lead_id=message.lead_id, country=message.country, region=message.region,
                     city=message.city, postal_code=message.postal_code,
                     industry=message.industry, company_size=size, annual_revenue=revenue,
                     product_interests=tuple(message.product_interests),
                     lead_source=message.lead_source, campaign=message.campaign,
                     sales_line_id=message.sales_line_id)


def territory_rules(message: territories_pb2.Territory) -> list[RuleInput]:
    return rules(message.rules)
