"""The platform under attack and the organisation the security suite reasons about, built only
through the public APIs (as a customer would)::

    Group (top unit, sales)
    ├── Unit U        manager: ``manager``
    │   ├── Team A    experts: ``member``, ``teammate``   -> the lead and the deal live here
    │   ├── Team B    expert: ``other_team``
    │   └── Team D    expert: ``spare``  (target of destructive calls; nobody calls as spare)
    ├── Unit S        manager: ``sibling_manager``
    │   └── Team C    expert: ``sibling_member``
    ├── Unit X        empty (target of destructive calls on units)
    └── Unit Y        empty (the unit DeleteOrgUnit deletes)

Besides them: ``admin`` (the bootstrap administrator, in no team), ``management`` (department
management, in no team), ``no_department`` (in no department), ``deactivated`` (logged in, then
deactivated), two service accounts created through identity (``service_with_role`` holding every
service role of ``crm_chassis.service_roles``, ``service_without_role`` holding none) and
``anonymous`` (no token). ``catalog_manager`` (catalog and pricing roles) only fuzzes catalog.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from crm_chassis.manifest import discover
from crm_chassis.service_roles import SERVICE_ROLES
from crm_devrun.bed import PlatformBed

PASSWORD = "security suite passphrase, long enough"
# The services with a gRPC api (the console, a web application, calls them with each person's
# token; its own bars are checked by its unit and browser tests).
SERVICES = tuple(sorted(m.name for m in discover() if "api" in m.processes))


def unique(text: str) -> str:
    return f"{text}-{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def start_platform(workdir):
    with PlatformBed(list(SERVICES), workdir) as bed:
        yield bed


@dataclass
class Caller:
    """One identity the matrix calls as; ``token`` is None for anonymous, ``problem`` says why
    the caller could not be set up (the cells of that caller fail with it)."""

    name: str
    token: str | None = None
    user_id: str = ""
    email: str = ""
    refresh_token: str = ""
    problem: str = ""

    def metadata(self):
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


@dataclass
class Organisation:
    bed: PlatformBed
    callers: dict[str, Caller]
    ids: dict[str, str]  # named ids: team_a, lead, deal, account...
    markers: tuple[str, ...]  # strings only team A's records contain
    channels: dict[str, grpc.Channel] = field(default_factory=dict)

    def channel(self, service: str) -> grpc.Channel:
        if service not in self.channels:
            self.channels[service] = self.bed.channel(service)
        return self.channels[service]

    def stub(self, module, name: str, service: str):
        return getattr(module, f"{name}Stub")(self.channel(service))

    def call(self, caller: str, method, request, timeout: float = 30):
        return method(request, metadata=self.callers[caller].metadata(), timeout=timeout)


def _pb():
    # Every module by name, for the matrix rows that look them up (returned through locals()).
    from crm.deals.v1 import (  # noqa: F401
        accounts_pb2,
        accounts_pb2_grpc,
        activities_pb2,
        activities_pb2_grpc,
        billing_pb2,
        billing_pb2_grpc,
        deals_pb2,
        deals_pb2_grpc,
        pipelines_pb2,
        pipelines_pb2_grpc,
        resources_pb2,
    )
    from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc  # noqa: F401
    from crm.leads.v1 import lead_pb2, lead_service_pb2, lead_service_pb2_grpc  # noqa: F401
    from crm.territory.v1 import (  # noqa: F401
        org_pb2,
        org_pb2_grpc,
        sales_lines_pb2,
        sales_lines_pb2_grpc,
        teams_pb2,
        teams_pb2_grpc,
        territories_pb2,
        territories_pb2_grpc,
    )

    return locals()


def login(org_or_bed, email: str, password: str = PASSWORD):
    from crm.identity.v1 import auth_pb2, auth_pb2_grpc

    bed = org_or_bed.bed if isinstance(org_or_bed, Organisation) else org_or_bed
    stub = auth_pb2_grpc.AuthServiceStub(bed.channel("identity"))
    return stub.Login(auth_pb2.LoginRequest(email=email, password=password), timeout=30)


def build_organisation(bed: PlatformBed) -> Organisation:
    pb = _pb()
    admin_pair = login(bed, "bed.admin@example.com", "bed admin passphrase, long enough")
    admin = Caller("admin", admin_pair.access_token)
    org = Organisation(bed=bed, callers={"admin": admin}, ids={}, markers=())
    users = org.stub(pb["users_pb2_grpc"], "UserService", "identity")
    orgs = org.stub(pb["org_pb2_grpc"], "OrgService", "territory")
    teams = org.stub(pb["teams_pb2_grpc"], "TeamService", "territory")
    members = org.stub(pb["teams_pb2_grpc"], "MembershipService", "territory")
    lines = org.stub(pb["sales_lines_pb2_grpc"], "SalesLineService", "territory")
    territories = org.stub(pb["territories_pb2_grpc"], "TerritoryService", "territory")
    as_admin = lambda method, request: org.call("admin", method, request)  # noqa: E731
    admin.user_id = org_user_id(org, "admin")

    def person(name: str, departments=("sales",), roles=()) -> Caller:
        email = f"{unique('sec-' + name)}@example.com"
        user = as_admin(
            users.CreateUser,
            pb["users_pb2"].CreateUserRequest(
                email=email,
                display_name=f"Security {name}",
                password=PASSWORD,
                departments=list(departments),
                roles=list(roles),
            ),
        )
        pair = login(org, email)
        caller = Caller(name, pair.access_token, user.id, email, pair.refresh_token)
        org.callers[name] = caller
        return caller

    for name in (
        "member",
        "teammate",
        "manager",
        "other_team",
        "sibling_manager",
        "sibling_member",
        "spare",
    ):
        person(name)
    person("management", ("management",))
    person("no_department", ())
    person("deactivated")
    person("catalog_manager", roles=("catalog_manager", "pricing_manager"))  # fuzzes catalog

    unit = lambda name, parent="": (  # noqa: E731
        as_admin(
            orgs.CreateOrgUnit,
            pb["org_pb2"].CreateOrgUnitRequest(
                name=unique(name), parent_id=parent, department="" if parent else "sales"
            ),
        ).unit.id
    )
    team = lambda name, unit_id: (  # noqa: E731
        as_admin(
            teams.CreateTeam,
            pb["teams_pb2"].CreateTeamRequest(name=unique(name), unit_id=unit_id),
        ).team.id
    )
    ids = org.ids
    ids["group"] = unit("Group")
    ids["unit_u"], ids["unit_s"], ids["unit_x"], ids["unit_y"] = (
        unit(n, ids["group"]) for n in "USXY"
    )
    ids["team_a"], ids["team_b"], ids["team_d"] = (team(n, ids["unit_u"]) for n in "ABD")
    ids["team_c"] = team("C", ids["unit_s"])
    expert = pb["teams_pb2"].TEAM_ROLE_EXPERT
    for who, where in (
        ("member", "team_a"),
        ("teammate", "team_a"),
        ("other_team", "team_b"),
        ("spare", "team_d"),
        ("sibling_member", "team_c"),
    ):
        membership = as_admin(
            members.AddMember,
            pb["teams_pb2"].AddMemberRequest(
                team_id=ids[where], user_id=org.callers[who].user_id, role=expert
            ),
        ).membership
        ids[f"membership_{who}"] = membership.id
    for who, where in (("manager", "unit_u"), ("sibling_manager", "unit_s")):
        as_admin(
            orgs.AssignUnitManager,
            pb["org_pb2"].AssignUnitManagerRequest(
                unit_id=ids[where], user_id=org.callers[who].user_id
            ),
        )

    line = as_admin(
        lines.CreateSalesLine,
        pb["sales_lines_pb2"].CreateSalesLineRequest(
            name=unique("Line"),
            workflow_kind=pb["sales_lines_pb2"].WORKFLOW_KIND_QUOTE,
            pipeline_id="pipe-security",
            team_ids=[ids["team_a"], ids["team_b"], ids["team_c"]],
        ),
    )
    ids["sales_line"] = line.sales_line.id
    ids["spare_sales_line"] = as_admin(
        lines.CreateSalesLine,
        pb["sales_lines_pb2"].CreateSalesLineRequest(
            name=unique("Spare line"),
            workflow_kind=pb["sales_lines_pb2"].WORKFLOW_KIND_QUOTE,
            pipeline_id="pipe-spare",
            team_ids=[ids["team_d"]],
        ),
    ).sales_line.id
    tpb = pb["territories_pb2"]
    ids["territory"] = as_admin(
        territories.CreateTerritory,
        tpb.CreateTerritoryRequest(
            name=unique("Germany"),
            sales_line_id=ids["sales_line"],
            team_id=ids["team_a"],
            priority=1,
            rules=[
                tpb.RoutingRule(
                    name="DE", conditions=[tpb.RuleCondition(attribute="country", values=["DE"])]
                )
            ],
        ),
    ).territory.id
    ids["spare_territory"] = as_admin(
        territories.CreateTerritory,
        tpb.CreateTerritoryRequest(
            name=unique("Spare"),
            sales_line_id=ids["spare_sales_line"],
            team_id=ids["team_d"],
            priority=2,
            rules=[
                tpb.RoutingRule(
                    name="FR", conditions=[tpb.RuleCondition(attribute="country", values=["FR"])]
                )
            ],
        ),
    ).territory.id
    _create_pipeline(org, pb)
    _service_accounts(org, pb)
    _team_a_records(org, pb)
    _deactivate(org, pb, users)
    return org


def org_user_id(org: Organisation, caller: str) -> str:
    from crm.identity.v1 import auth_pb2, auth_pb2_grpc

    stub = auth_pb2_grpc.AuthServiceStub(org.channel("identity"))
    return org.call(caller, stub.WhoAmI, auth_pb2.WhoAmIRequest()).subject_id


def _create_pipeline(org: Organisation, pb) -> None:
    stages = [
        pb["resources_pb2"].Stage(
            key=key,
            name=key.title(),
            default_probability=p,
            forecast_category=getattr(pb["resources_pb2"], c),
        )
        for key, p, c in (
            ("new", 10, "FORECAST_CATEGORY_PIPELINE"),
            ("proposal", 50, "FORECAST_CATEGORY_BEST_CASE"),
        )
    ]
    pipelines = org.stub(pb["pipelines_pb2_grpc"], "PipelineService", "deals")
    org.ids["pipeline"] = org.call(
        "admin",
        pipelines.CreatePipeline,
        pb["pipelines_pb2"].CreatePipelineRequest(
            sales_line_id=org.ids["sales_line"], name="Security pipeline", stages=stages
        ),
    ).id


def _service_accounts(org: Organisation, pb) -> None:
    """Two service accounts through identity's API: every service role, and none. A platform
    whose identity refuses service roles leaves ``service_with_role`` with a problem."""
    users = org.stub(pb["users_pb2_grpc"], "UserService", "identity")
    auth = org.stub(pb["auth_pb2_grpc"], "AuthService", "identity")
    for name, roles in (("service_with_role", sorted(SERVICE_ROLES)), ("service_without_role", [])):
        try:
            account = org.call(
                "admin",
                users.CreateServiceAccount,
                pb["users_pb2"].CreateServiceAccountRequest(
                    name=name.replace("_", "-"), roles=roles
                ),
            )
            pair = auth.IssueServiceToken(
                pb["auth_pb2"].IssueServiceTokenRequest(
                    client_id=account.client_id, client_secret=account.client_secret
                ),
                timeout=30,
            )
            org.callers[name] = Caller(name, pair.access_token, account.client_id)
        except grpc.RpcError as error:
            org.callers[name] = Caller(
                name,
                problem=(
                    f"identity.CreateServiceAccount(roles={roles}) answered {error.code().name}: "
                    f"{error.details()}"
                ),
            )
    org.callers["anonymous"] = Caller("anonymous")


def _team_a_records(org: Organisation, pb) -> None:
    """The lead (captured by ``member``, routed to team A by the territory) and an account,
    contact and deal of team A; their names and e-mails are the markers."""
    ids, lpb = org.ids, pb["lead_pb2"]
    leads = org.stub(pb["lead_service_pb2_grpc"], "LeadService", "leads")
    company, email = unique("Confidential Lead Company"), f"{unique('secret.lead')}@hidden.example"
    created = org.call(
        "member",
        leads.CreateLead,
        pb["lead_service_pb2"].CreateLeadRequest(
            idempotency_key=unique("capture"),
            lead=lpb.LeadInput(
                person=lpb.Person(first_name="Secret", last_name=unique("Person"), email=email),
                company=lpb.Company(name=company),
                location=lpb.Location(country="DE", city="Berlin"),
                source=lpb.Source(channel=lpb.CHANNEL_WEB_FORM),
                sales_line_id=ids["sales_line"],
            ),
        ),
    )
    ids["lead"] = created.lead.id

    def routed():
        try:
            lead = org.call(
                "member", leads.GetLead, pb["lead_service_pb2"].GetLeadRequest(lead_id=ids["lead"])
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return lead if lead.assignment.team_id == ids["team_a"] else None

    org.bed.wait_for(routed, 90, "the fixture lead was not routed to team A")
    apb = pb["accounts_pb2"]
    accounts = org.stub(pb["accounts_pb2_grpc"], "AccountService", "deals")
    contacts = org.stub(pb["accounts_pb2_grpc"], "ContactService", "deals")
    deals = org.stub(pb["deals_pb2_grpc"], "DealService", "deals")
    account_name = unique("Confidential Account")
    ids["account"] = org.call(
        "member",
        accounts.CreateAccount,
        apb.CreateAccountRequest(team_id=ids["team_a"], name=account_name),
    ).id
    contact_email = f"{unique('secret.contact')}@hidden.example"
    ids["contact"] = org.call(
        "member",
        contacts.CreateContact,
        apb.CreateContactRequest(
            account_id=ids["account"], first_name="Secret", last_name="Contact", email=contact_email
        ),
    ).id
    deal_name = unique("Confidential Deal")
    ids["deal"] = org.call(
        "member",
        deals.CreateDeal,
        pb["deals_pb2"].CreateDealRequest(
            name=deal_name,
            account_id=ids["account"],
            sales_line_id=ids["sales_line"],
            currency="EUR",
        ),
    ).id
    quote_title = unique("Confidential Quote")
    quotes = org.stub(pb["billing_pb2_grpc"], "QuoteService", "deals")
    ids["quote"] = org.call(
        "member",
        quotes.CreateQuote,
        pb["billing_pb2"].CreateQuoteRequest(opportunity_id=ids["deal"], title=quote_title),
    ).id
    task_subject = unique("Confidential Task")
    activities = org.stub(pb["activities_pb2_grpc"], "ActivityService", "deals")
    ids["activity"] = org.call(
        "member",
        activities.LogActivity,
        pb["activities_pb2"].LogActivityRequest(
            target=pb["resources_pb2"].RecordRef(type="opportunity", id=ids["deal"]),
            kind=pb["resources_pb2"].ACTIVITY_KIND_TASK,
            subject=task_subject,
            due_at=Timestamp(seconds=1924992000),
        ),
    ).id
    org.markers = (
        company,
        email,
        account_name,
        contact_email,
        deal_name,
        quote_title,
        task_subject,
    )


def _deactivate(org: Organisation, pb, users) -> None:
    """Deactivate ``deactivated`` (who logged in before) and give every service a moment to
    learn it from identity's events; a service that never refuses the token fails the
    matrix's cells, not the set-up."""
    from security_matrix import MATRIX
    from security_rpcs import all_rpcs, invoke

    org.call(
        "admin",
        users.DeactivateUser,
        pb["users_pb2"].DeactivateUserRequest(
            id=org.callers["deactivated"].user_id, reason="security suite: a deactivated caller"
        ),
    )
    probes = {}
    for rpc in all_rpcs():
        if MATRIX.get(rpc.name) and MATRIX[rpc.name].cells["deactivated"] == "unauth":
            probes.setdefault(rpc.service, rpc)
    deadline = time.monotonic() + 20
    for service, rpc in sorted(probes.items()):
        while time.monotonic() < deadline:
            outcome = invoke(
                org.channel(service),
                rpc,
                rpc.request_class(),
                org.callers["deactivated"].metadata(),
            )
            if outcome.code == grpc.StatusCode.UNAUTHENTICATED:
                break
            time.sleep(0.2)
