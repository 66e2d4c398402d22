"""territory's organisation, teams, memberships, sales lines and targets, territories and route
preview, with the signed-in person's token: territory decides who may read or change what, and
its refusals reach the page with its own sentence."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any, TypeVar

import grpc

from crm.common.v1 import money_pb2, pagination_pb2
from crm.territory.v1 import (
    org_pb2,
    org_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    sales_lines_pb2,
    sales_lines_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)
from crm_chassis.wire import enums
from crm_console.adapters.grpc_errors import refusals
from crm_console.domain.organisation import (
    Candidate,
    Condition,
    LeadAttributes,
    OrgUnit,
    RoutePreview,
    Rule,
    RuleVersion,
    SalesLine,
    Target,
    Territory,
)
from crm_console.domain.team import Membership, Team

PAGE = pagination_pb2.PageRequest(page_size=500)  # the pages list one page of each
T = TypeVar("T")


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def _when(parent: Any, name: str) -> dt.datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def _word(proto_enum: Any, number: int) -> str:
    return enums.word_of(proto_enum, number, "value")


def _copied(kind: type[T], m: Any, **converted: Any) -> T:
    """A ``kind`` (a domain dataclass) from the message's fields of the same names, with
    ``converted`` for those that take more than a copy: enumerations as words, times, repeated
    fields as tuples, nested messages."""
    copied = {f.name: getattr(m, f.name) for f in fields(kind) if f.name not in converted}  # type: ignore[arg-type]
    return kind(**copied, **converted)


def unit(m: org_pb2.OrgUnit) -> OrgUnit:
    return _copied(OrgUnit, m, manager_user_ids=tuple(m.manager_user_ids))


def team(m: teams_pb2.Team) -> Team:
    return _copied(Team, m, strategy=_word(teams_pb2.RoutingStrategy, m.strategy))


def membership(m: teams_pb2.Membership) -> Membership:
    return _copied(
        Membership,
        m,
        role=_word(teams_pb2.TeamRole, m.role),
        starts_at=_when(m, "starts_at"),
        ends_at=_when(m, "ends_at"),
    )


def sales_line(m: sales_lines_pb2.SalesLine) -> SalesLine:
    return _copied(
        SalesLine,
        m,
        workflow_kind=_word(sales_lines_pb2.WorkflowKind, m.workflow_kind),
        team_ids=tuple(m.team_ids),
    )


def target(m: sales_lines_pb2.Target) -> Target:
    has_amount = m.HasField("amount") and bool(m.amount.currency)
    return _copied(
        Target,
        m,
        amount=Decimal(m.amount.amount or "0") if has_amount else None,
        currency=m.amount.currency if has_amount else "",
    )


def condition(m: territories_pb2.RuleCondition) -> Condition:
    return _copied(
        Condition, m, values=tuple(m.values), ranges=tuple((r.min, r.max) for r in m.ranges)
    )


def rule(m: territories_pb2.RoutingRule) -> Rule:
    return _copied(Rule, m, conditions=tuple(condition(c) for c in m.conditions))


def rule_message(r: Rule) -> territories_pb2.RoutingRule:
    """A rule sent back as it was read (its id keeps its identity across versions)."""
    return territories_pb2.RoutingRule(
        id=r.id,
        name=r.name,
        conditions=[
            territories_pb2.RuleCondition(
                attribute=c.attribute,
                values=list(c.values),
                ranges=[territories_pb2.ValueRange(min=lo, max=hi) for lo, hi in c.ranges],
                currency=c.currency,
            )
            for c in r.conditions
        ],
    )


def territory(m: territories_pb2.Territory) -> Territory:
    return _copied(Territory, m, rules=tuple(rule(r) for r in m.rules))


def candidate(m: routing_pb2.CandidateNote) -> Candidate:
    return _copied(Candidate, m, skip_reason=_word(routing_pb2.SkipReason, m.skip_reason))


def rule_version(m: territories_pb2.RuleSetVersion) -> RuleVersion:
    return _copied(
        RuleVersion, m, rules=tuple(rule(r) for r in m.rules), changed_at=_when(m, "changed_at")
    )


def preview(m: routing_pb2.RoutingDecision) -> RoutePreview:
    why = m.explanation
    choice = why.owner_choice
    return RoutePreview(
        outcome=_word(routing_pb2.RoutingOutcome, m.outcome),
        summary=why.summary,
        territory_id=why.territory_id,
        territory_name=why.territory_name,
        team_id=m.team_id,
        owner_user_id=m.owner_user_id,
        rule=rule(why.rule) if why.HasField("rule") and why.rule.name else None,
        rule_position=why.rule_position,
        rules_version=why.rules_version,
        rules_tried=why.rules_tried,
        unroutable_reason=_word(routing_pb2.UnroutableReason, m.unroutable_reason),
        owner_reason=choice.reason,
        candidates=tuple(candidate(c) for c in choice.candidates),
    )


def people_names(answer: teams_pb2.ListPeopleNamesResponse) -> dict[str, str]:
    """Names by user id, of the people territory lets the caller see (the others left out)."""
    return {p.user_id: p.display_name for p in answer.people if p.display_name}


def attributes_message(a: LeadAttributes) -> routing_pb2.LeadAttributes:
    message = routing_pb2.LeadAttributes(
        country=a.country,
        region=a.region,
        city=a.city,
        postal_code=a.postal_code,
        industry=a.industry,
        product_interests=list(a.product_interests),
        lead_source=a.lead_source,
        campaign=a.campaign,
        sales_line_id=a.sales_line_id,
    )
    if a.company_size is not None:
        message.company_size = a.company_size
    if a.annual_revenue is not None:
        message.annual_revenue.CopyFrom(
            money_pb2.Money(amount=str(a.annual_revenue), currency=a.currency)
        )
    return message


class OrganisationGateway:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stubs: dict[str, Any] = {
            "org": org_pb2_grpc.OrgServiceStub(channel),
            "teams": teams_pb2_grpc.TeamServiceStub(channel),
            "members": teams_pb2_grpc.MembershipServiceStub(channel),
            "lines": sales_lines_pb2_grpc.SalesLineServiceStub(channel),
            "territories": territories_pb2_grpc.TerritoryServiceStub(channel),
            "routing": routing_pb2_grpc.RoutingServiceStub(channel),
        }
        self._timeout = timeout

    def _call(self, service: str, method: str, request: object, token: str) -> Any:
        with refusals():
            return getattr(self._stubs[service], method)(
                request, timeout=self._timeout, metadata=_auth(token)
            )

    # ------------------------------------------------------------ units
    def units(self, token: str) -> tuple[OrgUnit, ...]:
        request = org_pb2.ListOrgUnitsRequest(page=PAGE)
        return tuple(unit(u) for u in self._call("org", "ListOrgUnits", request, token).units)

    def create_unit(self, token: str, name: str, parent_id: str, department: str) -> OrgUnit:
        request = org_pb2.CreateOrgUnitRequest(
            name=name, parent_id=parent_id, department=department
        )
        return unit(self._call("org", "CreateOrgUnit", request, token).unit)

    def rename_unit(self, token: str, unit_id: str, name: str, version: int) -> OrgUnit:
        request = org_pb2.RenameOrgUnitRequest(id=unit_id, name=name, expected_version=version)
        return unit(self._call("org", "RenameOrgUnit", request, token).unit)

    def move_unit(self, token: str, unit_id: str, parent_id: str, version: int) -> OrgUnit:
        request = org_pb2.MoveOrgUnitRequest(
            id=unit_id, new_parent_id=parent_id, expected_version=version
        )
        return unit(self._call("org", "MoveOrgUnit", request, token).unit)

    def deactivate_unit(self, token: str, unit_id: str) -> OrgUnit:
        request = org_pb2.DeactivateOrgUnitRequest(id=unit_id)
        return unit(self._call("org", "DeactivateOrgUnit", request, token).unit)

    def assign_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit:
        request = org_pb2.AssignUnitManagerRequest(unit_id=unit_id, user_id=user_id)
        return unit(self._call("org", "AssignUnitManager", request, token).unit)

    def remove_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit:
        request = org_pb2.RemoveUnitManagerRequest(unit_id=unit_id, user_id=user_id)
        return unit(self._call("org", "RemoveUnitManager", request, token).unit)

    # ------------------------------------------------------------ teams and members
    def teams(self, token: str) -> tuple[Team, ...]:
        request = teams_pb2.ListTeamsRequest(page=PAGE)
        return tuple(team(t) for t in self._call("teams", "ListTeams", request, token).teams)

    def team(self, token: str, team_id: str) -> Team:
        request = teams_pb2.GetTeamRequest(id=team_id)
        return team(self._call("teams", "GetTeam", request, token).team)

    def create_team(
        self, token: str, name: str, unit_id: str, strategy: str, time_zone: str
    ) -> Team:
        request = teams_pb2.CreateTeamRequest(
            name=name,
            unit_id=unit_id,
            strategy=enums.number_of(teams_pb2.RoutingStrategy, strategy, "strategy"),
            time_zone=time_zone,
        )
        return team(self._call("teams", "CreateTeam", request, token).team)

    def rename_team(self, token: str, team_id: str, name: str, version: int) -> Team:
        request = teams_pb2.RenameTeamRequest(id=team_id, name=name, expected_version=version)
        return team(self._call("teams", "RenameTeam", request, token).team)

    def deactivate_team(self, token: str, team_id: str) -> Team:
        request = teams_pb2.DeactivateTeamRequest(id=team_id)
        return team(self._call("teams", "DeactivateTeam", request, token).team)

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]:
        request = teams_pb2.ListMembershipsRequest(page=PAGE, team_id=team_id, include_ended=True)
        answer = self._call("members", "ListMemberships", request, token)
        return tuple(membership(m) for m in answer.memberships)

    def add_member(
        self, token: str, team_id: str, user_id: str, role: str, daily_capacity: int
    ) -> Membership:
        request = teams_pb2.AddMemberRequest(
            team_id=team_id,
            user_id=user_id,
            role=enums.number_of(teams_pb2.TeamRole, role, "role"),
            daily_capacity=daily_capacity,
        )
        return membership(self._call("members", "AddMember", request, token).membership)

    def end_membership(self, token: str, membership_id: str, reason: str) -> Membership:
        request = teams_pb2.EndMembershipRequest(membership_id=membership_id, reason=reason)
        return membership(self._call("members", "EndMembership", request, token).membership)

    def people_names(self, token: str, user_ids: tuple[str, ...]) -> dict[str, str]:
        request = teams_pb2.ListPeopleNamesRequest(user_ids=list(user_ids))
        return people_names(self._call("members", "ListPeopleNames", request, token))

    # ------------------------------------------------------------ sales lines and targets
    def sales_lines(self, token: str) -> tuple[SalesLine, ...]:
        request = sales_lines_pb2.ListSalesLinesRequest(page=PAGE)
        answer = self._call("lines", "ListSalesLines", request, token)
        return tuple(sales_line(x) for x in answer.sales_lines)

    def sales_line(self, token: str, line_id: str) -> SalesLine:
        request = sales_lines_pb2.GetSalesLineRequest(id=line_id)
        return sales_line(self._call("lines", "GetSalesLine", request, token).sales_line)

    def create_sales_line(
        self,
        token: str,
        name: str,
        description: str,
        workflow_kind: str,
        team_ids: tuple[str, ...],
    ) -> SalesLine:
        request = sales_lines_pb2.CreateSalesLineRequest(
            name=name,
            description=description,
            workflow_kind=enums.number_of(sales_lines_pb2.WorkflowKind, workflow_kind, "kind"),
            team_ids=list(team_ids),
        )
        return sales_line(self._call("lines", "CreateSalesLine", request, token).sales_line)

    def targets(self, token: str, line_id: str, period: str) -> tuple[Target, ...]:
        request = sales_lines_pb2.ListTargetsRequest(sales_line_id=line_id, period=period)
        return tuple(target(t) for t in self._call("lines", "ListTargets", request, token).targets)

    def set_targets(
        self, token: str, line_id: str, period: str, targets: tuple[Target, ...]
    ) -> tuple[Target, ...]:
        request = sales_lines_pb2.SetTargetsRequest(
            sales_line_id=line_id,
            period=period,
            targets=[
                sales_lines_pb2.TargetInput(
                    team_id=t.team_id,
                    amount=(
                        money_pb2.Money(amount=str(t.amount), currency=t.currency)
                        if t.amount is not None
                        else None
                    ),
                    deal_count=t.deal_count,
                )
                for t in targets
            ],
        )
        return tuple(target(t) for t in self._call("lines", "SetTargets", request, token).targets)

    # ------------------------------------------------------------ territories and routing
    def territories(self, token: str) -> tuple[Territory, ...]:
        request = territories_pb2.ListTerritoriesRequest(page=PAGE)
        answer = self._call("territories", "ListTerritories", request, token)
        return tuple(territory(t) for t in answer.territories)

    def territory(self, token: str, territory_id: str) -> Territory:
        request = territories_pb2.GetTerritoryRequest(id=territory_id)
        return territory(self._call("territories", "GetTerritory", request, token).territory)

    def create_territory(
        self,
        token: str,
        name: str,
        sales_line_id: str,
        team_id: str,
        priority: int,
        rules: tuple[Rule, ...],
        pipeline_id: str = "",
    ) -> Territory:
        request = territories_pb2.CreateTerritoryRequest(
            name=name,
            sales_line_id=sales_line_id,
            team_id=team_id,
            priority=priority,
            rules=[rule_message(r) for r in rules],
            pipeline_id=pipeline_id,
        )
        return territory(self._call("territories", "CreateTerritory", request, token).territory)

    def set_rules(
        self,
        token: str,
        territory_id: str,
        rules: tuple[Rule, ...],
        rules_version: int,
        comment: str,
    ) -> Territory:
        request = territories_pb2.SetTerritoryRulesRequest(
            id=territory_id,
            rules=[rule_message(r) for r in rules],
            expected_rules_version=rules_version,
            comment=comment,
        )
        return territory(self._call("territories", "SetTerritoryRules", request, token).territory)

    def update_territory(
        self,
        token: str,
        territory_id: str,
        name: str,
        priority: int,
        version: int,
        pipeline_id: str | None = None,
    ) -> Territory:
        request = territories_pb2.UpdateTerritoryRequest(
            id=territory_id, name=name, priority=priority, expected_version=version
        )
        if pipeline_id is not None:  # set (also to ""): the field's presence says "change it"
            request.pipeline_id = pipeline_id
        return territory(self._call("territories", "UpdateTerritory", request, token).territory)

    def deactivate_territory(self, token: str, territory_id: str) -> Territory:
        request = territories_pb2.DeactivateTerritoryRequest(id=territory_id)
        return territory(self._call("territories", "DeactivateTerritory", request, token).territory)

    def rule_versions(self, token: str, territory_id: str) -> tuple[RuleVersion, ...]:
        request = territories_pb2.ListRuleVersionsRequest(id=territory_id)
        answer = self._call("territories", "ListRuleVersions", request, token)
        return tuple(rule_version(v) for v in answer.versions)

    def rule_attributes(self, token: str) -> tuple[tuple[str, str], ...]:
        request = territories_pb2.ListRuleAttributesRequest()
        answer = self._call("territories", "ListRuleAttributes", request, token)
        return tuple((a.name, a.description) for a in answer.attributes)

    def preview_route(self, token: str, lead: LeadAttributes) -> RoutePreview:
        request = routing_pb2.PreviewRouteRequest(lead=attributes_message(lead))
        return preview(self._call("routing", "PreviewRoute", request, token).decision)
