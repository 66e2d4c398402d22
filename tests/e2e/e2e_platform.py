"""Typed access to a PlatformBed's services for the end-to-end tests: stubs per service and a
caller bound to one person's token."""

from __future__ import annotations

import uuid

import grpc

from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm.leads.v1 import lead_pb2, lead_service_pb2_grpc
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import (
    access_pb2_grpc,
    org_pb2,
    org_pb2_grpc,
    routing_pb2_grpc,
    sales_lines_pb2,
    sales_lines_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)

PASSWORD = "end to end passphrase, long enough"


class Stubs:
    def __init__(self, bed):
        identity, territory = bed.channel("identity"), bed.channel("territory")
        self.users = users_pb2_grpc.UserServiceStub(identity)
        self.org = org_pb2_grpc.OrgServiceStub(territory)
        self.teams = teams_pb2_grpc.TeamServiceStub(territory)
        self.members = teams_pb2_grpc.MembershipServiceStub(territory)
        self.lines = sales_lines_pb2_grpc.SalesLineServiceStub(territory)
        self.territories = territories_pb2_grpc.TerritoryServiceStub(territory)
        self.routing = routing_pb2_grpc.RoutingServiceStub(territory)
        self.access = access_pb2_grpc.AccessServiceStub(territory)
        if any(m.name == "leads" for m in bed.manifests):
            self.leads = lead_service_pb2_grpc.LeadServiceStub(bed.channel("leads"))
        if any(m.name == "deals" for m in bed.manifests):
            from crm.deals.v1 import accounts_pb2_grpc, deals_pb2_grpc

            deals = bed.channel("deals")
            self.accounts = accounts_pb2_grpc.AccountServiceStub(deals)
            self.contacts = accounts_pb2_grpc.ContactServiceStub(deals)
            self.deals = deals_pb2_grpc.DealServiceStub(deals)


class As:
    """Calls with one person's bearer token: ``ann(stubs.leads.GetLead, request)``."""

    def __init__(self, token: str, user_id: str = ""):
        self.token, self.user_id = token, user_id

    def __call__(self, method, request, timeout: float = 15):
        return method(
            request, metadata=(("authorization", f"Bearer {self.token}"),), timeout=timeout
        )

    def error(self, method, request) -> grpc.RpcError:
        try:
            self(method, request)
        except grpc.RpcError as error:
            return error
        raise AssertionError(f"{method} succeeded; an error was expected")

    def code(self, method, request):
        try:
            self(method, request)
            return grpc.StatusCode.OK
        except grpc.RpcError as error:
            return error.code()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def create_person(bed, stubs: Stubs, admin: As, name: str, departments=("sales",)) -> As:
    email = f"{unique(name)}@example.com"
    user = admin(
        stubs.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email, display_name=name.title(), password=PASSWORD, departments=departments
        ),
    )
    return As(bed.login(email, PASSWORD), user.id)


def small_company(bed, stubs: Stubs, admin: As) -> dict:
    """EMEA > DACH > Berlin Area with team Berlin (ann, bob experts; sue supervisor) and team
    Munich under DACH (cid); dee manages DACH."""
    people = {
        name: create_person(bed, stubs, admin, name) for name in ("ann", "bob", "sue", "cid", "dee")
    }

    def unit(name, parent=None):
        return admin(
            stubs.org.CreateOrgUnit,
            org_pb2.CreateOrgUnitRequest(
                name=unique(name), parent_id=parent.id if parent else "", department="sales"
            ),
        ).unit

    emea = unit("EMEA")
    dach = unit("DACH", emea)
    area = unit("Berlin Area", dach)
    berlin = admin(
        stubs.teams.CreateTeam, teams_pb2.CreateTeamRequest(name=unique("Berlin"), unit_id=area.id)
    ).team
    munich = admin(
        stubs.teams.CreateTeam, teams_pb2.CreateTeamRequest(name=unique("Munich"), unit_id=dach.id)
    ).team
    memberships = {}
    for who, team, role in (
        ("ann", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("bob", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("sue", berlin, teams_pb2.TEAM_ROLE_SUPERVISOR),
        ("cid", munich, teams_pb2.TEAM_ROLE_EXPERT),
    ):
        memberships[who] = admin(
            stubs.members.AddMember,
            teams_pb2.AddMemberRequest(team_id=team.id, user_id=people[who].user_id, role=role),
        ).membership
    admin(
        stubs.org.AssignUnitManager,
        org_pb2.AssignUnitManagerRequest(unit_id=dach.id, user_id=people["dee"].user_id),
    )
    return dict(
        people=people,
        emea=emea,
        dach=dach,
        area=area,
        berlin=berlin,
        munich=munich,
        memberships=memberships,
    )


def german_line(stubs: Stubs, admin: As, company: dict):
    """Sales line SMB worked by Berlin and Munich; its territory sends country DE to Berlin."""
    line = admin(
        stubs.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name=unique("SMB"),
            workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
            pipeline_id="pipe-smb",
            team_ids=[company["berlin"].id, company["munich"].id],
        ),
    )
    admin(
        stubs.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=unique("Germany"),
            sales_line_id=line.sales_line.id,
            team_id=company["berlin"].id,
            priority=1,
            rules=[
                territories_pb2.RoutingRule(
                    name="DE",
                    conditions=[territories_pb2.RuleCondition(attribute="country", values=["DE"])],
                )
            ],
        ),
    )
    return line.sales_line


def web_form_lead(line_id: str, campaign_id: str = "") -> ls.CreateLeadRequest:
    # Names differ per lead: the same company and person name would be a duplicate.
    return ls.CreateLeadRequest(
        idempotency_key=unique("form"),
        lead=lead_pb2.LeadInput(
            person=lead_pb2.Person(
                first_name="Lena", last_name=unique("Vogel"), email=f"{unique('lena')}@vogel.de"
            ),
            company=lead_pb2.Company(name=unique("Vogel GmbH")),
            location=lead_pb2.Location(country="DE", city="Berlin"),
            source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, campaign_id=campaign_id),
            sales_line_id=line_id,
        ),
    )


def visible_lead(stubs: Stubs, person: As, lead_id: str):
    """The lead as ``person`` sees it once it has an owner; None while it has none or is not
    visible to them."""
    try:
        lead = person(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return lead if lead.assignment.owner_user_id else None


STAGES = (
    ("new", "New", 10, "FORECAST_CATEGORY_PIPELINE"),
    ("proposal", "Proposal", 50, "FORECAST_CATEGORY_BEST_CASE"),
    ("negotiation", "Negotiation", 80, "FORECAST_CATEGORY_COMMIT"),
)


def create_pipeline(bed, admin: As, line_id: str):
    """deals' pipeline for the line: New (10 %), Proposal (50 %), Negotiation (80 %)."""
    from crm.deals.v1 import pipelines_pb2, pipelines_pb2_grpc, resources_pb2

    pipelines = pipelines_pb2_grpc.PipelineServiceStub(bed.channel("deals"))
    return admin(
        pipelines.CreatePipeline,
        pipelines_pb2.CreatePipelineRequest(
            sales_line_id=line_id,
            name="SMB pipeline",
            stages=[
                resources_pb2.Stage(
                    key=key,
                    name=name,
                    default_probability=probability,
                    forecast_category=getattr(resources_pb2, category),
                )
                for key, name, probability, category in STAGES
            ],
        ),
    )


def converted_lead(bed, stubs: Stubs, person: As, lead_id: str, name: str = "Rollout"):
    """Convert a routed lead as ``person``; the lead once deals confirmed."""
    person(stubs.leads.ConvertLead, ls.ConvertLeadRequest(lead_id=lead_id, opportunity_name=name))

    def done():
        lead = person(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
        return lead if lead.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTED else None

    return bed.wait_for(done, 90, "deals never confirmed the conversion")
