"""Typed access to a PlatformBed's services for the end-to-end tests: stubs per service and a
caller bound to one person's token."""
from __future__ import annotations

import uuid

import grpc

from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm.leads.v1 import lead_service_pb2_grpc
from crm.territory.v1 import (access_pb2_grpc, org_pb2, org_pb2_grpc, routing_pb2_grpc,
                              sales_lines_pb2_grpc, teams_pb2, teams_pb2_grpc,
                              territories_pb2_grpc)

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
        return method(request, metadata=(("authorization", f"Bearer {self.token}"),),
                      timeout=timeout)

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
    user = admin(stubs.users.CreateUser, users_pb2.CreateUserRequest(
        email=email, display_name=name.title(), password=PASSWORD, departments=departments))
    return As(bed.login(email, PASSWORD), user.id)


def small_company(bed, stubs: Stubs, admin: As) -> dict:
    """EMEA > DACH > Berlin Area with team Berlin (ann, bob experts; sue supervisor) and team
    Munich under DACH (cid); dee manages DACH."""
    people = {name: create_person(bed, stubs, admin, name)
              for name in ("ann", "bob", "sue", "cid", "dee")}

    def unit(name, parent=None):
        return admin(stubs.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(
            name=unique(name), parent_id=parent.id if parent else "", department="sales")).unit

    emea = unit("EMEA")
    dach = unit("DACH", emea)
    area = unit("Berlin Area", dach)
    berlin = admin(stubs.teams.CreateTeam, teams_pb2.CreateTeamRequest(
        name=unique("Berlin"), unit_id=area.id)).team
    munich = admin(stubs.teams.CreateTeam, teams_pb2.CreateTeamRequest(
        name=unique("Munich"), unit_id=dach.id)).team
    memberships = {}
    for who, team, role in (("ann", berlin, teams_pb2.TEAM_ROLE_EXPERT),
                            ("bob", berlin, teams_pb2.TEAM_ROLE_EXPERT),
                            ("sue", berlin, teams_pb2.TEAM_ROLE_SUPERVISOR),
                            ("cid", munich, teams_pb2.TEAM_ROLE_EXPERT)):
        memberships[who] = admin(stubs.members.AddMember, teams_pb2.AddMemberRequest(
            team_id=team.id, user_id=people[who].user_id, role=role)).membership
    admin(stubs.org.AssignUnitManager, org_pb2.AssignUnitManagerRequest(
        unit_id=dach.id, user_id=people["dee"].user_id))
    return dict(people=people, emea=emea, dach=dach, area=area, berlin=berlin, munich=munich,
                memberships=memberships)
