"""The organisation gateway on a recording channel: territory's messages become the
Organisation, Team and dashboard pages' values field by field (enumerations as words, times in
UTC, money exact), every call carries the person's own token, and a refusal keeps its sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2, pagination_pb2
from crm.deals.v1 import pipelines_pb2, resources_pb2
from crm.identity.v1 import users_pb2
from crm.territory.v1 import org_pb2, routing_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_console.adapters.deals_grpc import DealsGateway
from crm_console.adapters.identity_grpc import IdentityGateway
from crm_console.adapters.organisation_grpc import OrganisationGateway
from crm_console.domain.errors import Refused
from crm_console.domain.organisation import (
    Candidate,
    Condition,
    DirectoryPerson,
    LeadAttributes,
    OrgUnit,
    PipelineStage,
    Rule,
    RuleVersion,
    SalesLine,
    Target,
    Territory,
)
from crm_console.domain.team import Membership, Team

from .test_dashboard_gateway import Channel, Refusal

MARCH = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def stamp(moment: dt.datetime) -> Timestamp:
    found = Timestamp()
    found.FromDatetime(moment)
    return found


UNIT = org_pb2.OrgUnit(
    id="u1",
    name="DACH",
    level=2,
    level_name="region",
    department="sales",
    parent_id="u0",
    manager_user_ids=["mia"],
    active=True,
    version=3,
)
TEAM = teams_pb2.Team(
    id="t1",
    name="Berlin",
    unit_id="u1",
    strategy=teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED,
    time_zone="Europe/Berlin",
    active=True,
    version=4,
)
MEMBER = teams_pb2.Membership(
    id="m1",
    team_id="t1",
    user_id="ann",
    role=teams_pb2.TEAM_ROLE_SUPERVISOR,
    starts_at=stamp(MARCH),
    daily_capacity=12,
    takes_leads=True,
    paused=True,
)
LINE = sales_lines_pb2.SalesLine(
    id="l1",
    name="SMB",
    description="pro-forma",
    workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
    pipeline_id="p1",
    team_ids=["t1", "t2"],
    active=True,
)
RULE = territories_pb2.RoutingRule(
    id="r1",
    name="DE",
    conditions=[
        territories_pb2.RuleCondition(attribute="country", values=["DE"]),
        territories_pb2.RuleCondition(
            attribute="annual_revenue",
            ranges=[territories_pb2.ValueRange(min="0", max="1000")],
            currency="EUR",
        ),
    ],
    description="country is DE",
)
TERRITORY = territories_pb2.Territory(
    id="tr1",
    name="Germany",
    sales_line_id="l1",
    team_id="t1",
    priority=2,
    rules_version=5,
    rules=[RULE],
    active=True,
    version=7,
)
DOMAIN_RULE = Rule(
    "r1",
    "DE",
    (
        Condition("country", ("DE",)),
        Condition("annual_revenue", (), (("0", "1000"),), "EUR"),
    ),
    "country is DE",
)
DOMAIN_TERRITORY = Territory("tr1", "Germany", "l1", "t1", 2, 5, (DOMAIN_RULE,), True, 7)


def gateway(answers: dict[str, object]) -> tuple[OrganisationGateway, Channel]:
    channel = Channel(answers)
    return OrganisationGateway(channel, 5.0), channel  # type: ignore[arg-type]


def test_structure_becomes_the_pages_values_field_by_field():
    port, channel = gateway(
        {
            "ListOrgUnits": org_pb2.ListOrgUnitsResponse(units=[UNIT]),
            "DeactivateOrgUnit": org_pb2.DeactivateOrgUnitResponse(unit=UNIT),
            "ListTeams": teams_pb2.ListTeamsResponse(teams=[TEAM]),
            "RenameTeam": teams_pb2.RenameTeamResponse(team=TEAM),
            "DeactivateTeam": teams_pb2.DeactivateTeamResponse(team=TEAM),
            "ListMemberships": teams_pb2.ListMembershipsResponse(memberships=[MEMBER]),
        }
    )
    unit = OrgUnit("u1", "DACH", 2, "region", "sales", "u0", ("mia",), True, 3)
    assert port.units("tok") == (unit,)
    assert port.deactivate_unit("tok", "u1") == unit
    team = Team("t1", "Berlin", "u1", "load_balanced", "Europe/Berlin", True, 4)
    assert port.teams("tok") == (team,)
    assert port.rename_team("tok", "t1", "Berlin", 4) == team
    assert port.deactivate_team("tok", "t1") == team
    assert port.memberships("tok", "t1") == (
        Membership("m1", "t1", "ann", "supervisor", MARCH, None, 12, True, True),
    )
    rename = next(request for method, request, _ in channel.calls if method == "RenameTeam")
    assert (rename.id, rename.name, rename.expected_version) == ("t1", "Berlin", 4)
    assert all(meta == {"authorization": "Bearer tok"} for _, _, meta in channel.calls)


def test_lines_targets_and_territories_become_the_pages_values():
    target = sales_lines_pb2.Target(
        sales_line_id="l1",
        team_id="t1",
        period="2026-Q1",
        amount=money_pb2.Money(amount="1500.50", currency="EUR"),
        deal_count=9,
    )
    port, channel = gateway(
        {
            "ListSalesLines": sales_lines_pb2.ListSalesLinesResponse(sales_lines=[LINE]),
            "ListTargets": sales_lines_pb2.ListTargetsResponse(
                targets=[target, sales_lines_pb2.Target(team_id="t2", period="2026-Q1")]
            ),
            "ListTerritories": territories_pb2.ListTerritoriesResponse(territories=[TERRITORY]),
            "UpdateTerritory": territories_pb2.UpdateTerritoryResponse(territory=TERRITORY),
            "DeactivateTerritory": territories_pb2.DeactivateTerritoryResponse(territory=TERRITORY),
            "ListRuleVersions": territories_pb2.ListRuleVersionsResponse(
                versions=[
                    territories_pb2.RuleSetVersion(
                        rules_version=5,
                        rules=[RULE],
                        changed_at=stamp(MARCH),
                        changed_by="root",
                        comment="DE first",
                    )
                ]
            ),
        }
    )
    assert port.sales_lines("tok") == (
        SalesLine("l1", "SMB", "pro-forma", "quote", "p1", ("t1", "t2"), True),
    )
    assert port.targets("tok", "l1", "2026-Q1") == (
        Target("l1", "t1", "2026-Q1", Decimal("1500.50"), "EUR", 9),
        Target("", "t2", "2026-Q1", None, "", 0),
    )
    assert port.territories("tok") == (DOMAIN_TERRITORY,)
    assert port.update_territory("tok", "tr1", "Germany", 2, 7) == DOMAIN_TERRITORY
    assert port.deactivate_territory("tok", "tr1") == DOMAIN_TERRITORY
    assert port.rule_versions("tok", "tr1") == (
        RuleVersion(5, (DOMAIN_RULE,), MARCH, "root", "DE first"),
    )
    update = next(request for method, request, _ in channel.calls if method == "UpdateTerritory")
    assert (update.name, update.priority, update.expected_version) == ("Germany", 2, 7)


def test_a_preview_explains_the_rule_and_every_member_considered():
    decision = routing_pb2.RoutingDecision(
        outcome=routing_pb2.ROUTING_OUTCOME_ROUTED,
        team_id="t1",
        owner_user_id="ann",
        explanation=routing_pb2.RoutingExplanation(
            summary="Goes to Germany",
            territory_id="tr1",
            territory_name="Germany",
            rule=RULE,
            rule_position=1,
            rules_version=5,
            rules_tried=2,
            owner_choice=routing_pb2.OwnerChoice(
                reason="fewest open items",
                candidates=[
                    routing_pb2.CandidateNote(user_id="ann", eligible=True, open_items=3),
                    routing_pb2.CandidateNote(
                        user_id="bob",
                        eligible=False,
                        skip_reason=routing_pb2.SKIP_REASON_ON_LEAVE,
                        assigned_today=2,
                    ),
                ],
            ),
        ),
    )
    port, channel = gateway({"PreviewRoute": routing_pb2.PreviewRouteResponse(decision=decision)})
    found = port.preview_route(
        "tok", LeadAttributes(country="DE", company_size=120, annual_revenue=Decimal("900"))
    )
    assert (found.outcome, found.summary, found.territory_name, found.owner_user_id) == (
        "routed",
        "Goes to Germany",
        "Germany",
        "ann",
    )
    assert found.rule == DOMAIN_RULE and (found.rule_position, found.rules_tried) == (1, 2)
    assert found.candidates == (
        Candidate("ann", True, "", 3, 0),
        Candidate("bob", False, "on_leave", 0, 2),
    )
    sent = channel.calls[0][1].lead
    assert (sent.country, sent.company_size, sent.annual_revenue.amount) == ("DE", 120, "900")


def test_people_names_and_a_refusal_with_its_sentence():
    names = teams_pb2.ListPeopleNamesResponse(
        people=[teams_pb2.PersonName(user_id="ann", display_name="Ann Alves")]
    )
    port, channel = gateway({"ListPeopleNames": names})
    assert port.people_names("tok", ("ann", "ghost")) == {"ann": "Ann Alves"}
    assert list(channel.calls[0][1].user_ids) == ["ann", "ghost"]
    refused = Refusal(grpc.StatusCode.FAILED_PRECONDITION, "team 'Berlin' has 2 active members")
    port, _ = gateway({"DeactivateTeam": refused})
    with pytest.raises(Refused) as error:
        port.deactivate_team("tok", "t1")
    assert error.value.message == "team 'Berlin' has 2 active members"


def test_a_territorys_pipeline_is_sent_only_when_set_and_read_back():
    named = territories_pb2.Territory(id="tr1", name="Germany", pipeline_id="p2", version=8)
    port, channel = gateway(
        {
            "UpdateTerritory": territories_pb2.UpdateTerritoryResponse(territory=named),
            "CreateTerritory": territories_pb2.CreateTerritoryResponse(territory=named),
        }
    )
    assert (
        port.update_territory("tok", "tr1", "Germany", 0, 7, pipeline_id="p2").pipeline_id == "p2"
    )
    port.update_territory("tok", "tr1", "Germany", 0, 7, pipeline_id="")
    port.update_territory("tok", "tr1", "Germany", 0, 7)
    sent = [request for method, request, _ in channel.calls if method == "UpdateTerritory"]
    assert [r.HasField("pipeline_id") for r in sent] == [True, True, False]
    assert [r.pipeline_id for r in sent] == ["p2", "", ""]  # "" clears: back to the line's
    port.create_territory("tok", "Germany", "l1", "t1", 2, (DOMAIN_RULE,), pipeline_id="p2")
    create = next(request for method, request, _ in channel.calls if method == "CreateTerritory")
    assert create.pipeline_id == "p2"


def test_deals_pipelines_say_which_is_the_lines_default_and_another_is_additional():
    stage = resources_pb2.Stage(
        key="new",
        name="New",
        default_probability=10,
        forecast_category=resources_pb2.FORECAST_CATEGORY_PIPELINE,
        expected_days=5,
    )
    default = resources_pb2.Pipeline(id="p1", sales_line_id="l1", name="SMB", line_default=True)
    extra = resources_pb2.Pipeline(id="p2", sales_line_id="l1", name="North", stages=[stage])
    channel = Channel(
        {
            "ListPipelines": pipelines_pb2.ListPipelinesResponse(pipelines=[default, extra]),
            "CreatePipeline": extra,
        }
    )
    port = DealsGateway(channel, 5.0)  # type: ignore[arg-type]
    assert [p.line_default for p in port.pipeline_details("tok")] == [True, False]
    stages = (PipelineStage("new", "New", 10, "pipeline", 5),)
    created = port.create_pipeline("tok", "l1", "North", stages, additional=True)
    assert (created.id, created.line_default, created.stages) == ("p2", False, stages)
    (request,) = (r for method, r, _ in channel.calls if method == "CreatePipeline")
    assert (request.sales_line_id, request.name, request.additional) == ("l1", "North", True)
    assert [(s.key, s.default_probability, s.expected_days) for s in request.stages] == [
        ("new", 10, 5)
    ]


def test_people_are_searched_in_identitys_directory_as_the_caller():
    ann = users_pb2.User(id="u1", email="ann@example.com", display_name="Ann")
    channel = Channel(
        {
            "ListUsers": users_pb2.ListUsersResponse(
                users=[ann], page=pagination_pb2.PageInfo(next_cursor="c2")
            )
        }
    )
    port = IdentityGateway(channel, 5.0)  # type: ignore[arg-type]
    found, more = port.find_people("tok", "ann", active_only=True)
    assert found == (DirectoryPerson("u1", "ann@example.com", "Ann"),) and more
    port.find_people("tok", "ann", active_only=False)
    first, second = (request for method, request, _ in channel.calls)
    assert (first.query, first.status) == ("ann", users_pb2.User.STATUS_ACTIVE)
    assert second.status == users_pb2.User.STATUS_UNSPECIFIED and first.page.page_size > 1
    assert all(meta == {"authorization": "Bearer tok"} for _, _, meta in channel.calls)
