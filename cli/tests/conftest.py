"""A fake identity (AuthService + UserService) on a real gRPC server, and a crmctl runner.

The fakes check the bearer token like the real service does, so the tests see exactly the
metadata crmctl sends.
"""

from __future__ import annotations

import socket
import uuid
from concurrent import futures
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from click.testing import CliRunner
from google.protobuf import message_factory
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from crm.deals.v1 import (
    account_profiles_pb2,
    accounts_pb2,
    activities_pb2,
    billing_pb2,
    contracts_pb2,
    customer_emails_pb2,
    deals_pb2,
    duplicates_pb2,
    notifications_pb2,
    payments_pb2,
    pipelines_pb2,
    tasks_pb2,
)
from crm.deals.v1 import exports_pb2 as deals_exports_pb2
from crm.deals.v1 import migration_pb2 as deals_migration_pb2
from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm.leads.v1 import (
    campaign_pb2,
    campaign_pb2_grpc,
    interactions_pb2,
    lead_pb2,
    lead_service_pb2,
    lead_service_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
)
from crm.territory.v1 import (
    access_pb2,
    org_pb2,
    routing_pb2,
    sales_lines_pb2,
    teams_pb2,
    territories_pb2,
)

EMAIL, PASSWORD = "admin@crm.local", "correct horse battery"


def timestamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


class FakeIdentity(auth_pb2_grpc.AuthServiceServicer, users_pb2_grpc.UserServiceServicer):
    def __init__(self):
        self.access_lifetime = timedelta(minutes=15)
        self.valid_access: set[str] = set()
        self.valid_refresh: set[str] = set()
        self.refresh_calls = 0
        self.logouts: list[str] = []
        self.login_locked_for: int | None = None
        self.users = [
            users_pb2.User(
                id=uuid.uuid4().hex,
                email=f"user{i}@crm.local",
                display_name=f"User {i}",
                status=users_pb2.User.STATUS_ACTIVE,
                departments=["sales"],
                version=1,
            )
            for i in range(3)
        ]
        self.service_accounts: list[users_pb2.ServiceAccount] = []
        self.signing_keys = [
            auth_pb2.SigningKeyState(
                key=auth_pb2.SigningKey(
                    kid="kid-1",
                    algorithm="EdDSA",
                    active=True,
                    created_at=timestamp(datetime(2026, 1, 5, tzinfo=UTC)),
                ),
                published=True,
            )
        ]

    # ----------------------------------------------------------------- helpers
    def _pair(self) -> auth_pb2.TokenPair:
        access, refresh = "acc-" + uuid.uuid4().hex, "ref-" + uuid.uuid4().hex
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        now = datetime.now(UTC)
        return auth_pb2.TokenPair(
            access_token=access,
            refresh_token=refresh,
            token_type="Bearer",
            access_token_expires_at=timestamp(now + self.access_lifetime),
            refresh_token_expires_at=timestamp(now + timedelta(days=7)),
        )

    def _require_token(self, context) -> None:
        header = dict(context.invocation_metadata()).get("authorization", "")
        if header.removeprefix("Bearer ") not in self.valid_access:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid or expired access token")

    # ----------------------------------------------------------------- AuthService
    def Login(self, request, context):
        if self.login_locked_for:
            context.set_trailing_metadata((("retry-after", str(self.login_locked_for)),))
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many failed logins")
        if (request.email, request.password) != (EMAIL, PASSWORD):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "wrong e-mail or password")
        return self._pair()

    def Refresh(self, request, context):
        self.refresh_calls += 1
        if request.refresh_token not in self.valid_refresh:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "refresh token revoked")
        self.valid_refresh.discard(request.refresh_token)  # rotation
        return self._pair()

    def Logout(self, request, context):
        self.logouts.append(request.refresh_token)
        self.valid_refresh.discard(request.refresh_token)
        return auth_pb2.LogoutResponse()

    def WhoAmI(self, request, context):
        self._require_token(context)
        return auth_pb2.WhoAmIResponse(
            subject_kind="user",
            subject_id="u-admin",
            email=EMAIL,
            display_name="Admin",
            roles=["admin"],
        )

    # ----------------------------------------------------------------- UserService
    def ListUsers(self, request, context):
        self._require_token(context)
        found = [u for u in self.users if request.query.lower() in u.email.lower()]
        size = request.page.page_size or 50
        start = int(request.page.cursor or 0)
        page = found[start : start + size]
        next_cursor = str(start + size) if start + size < len(found) else ""
        return users_pb2.ListUsersResponse(users=page, page={"next_cursor": next_cursor})

    def GetUser(self, request, context):
        self._require_token(context)
        for user in self.users:
            if user.id == request.id:
                return user
        context.abort(grpc.StatusCode.NOT_FOUND, f"no user {request.id}")

    def SetUserDepartments(self, request, context):
        user = self.GetUser(users_pb2.GetUserRequest(id=request.id), context)
        del user.departments[:]
        user.departments.extend(request.departments)
        user.version += 1
        return user

    def CreateUser(self, request, context):
        self._require_token(context)
        if any(u.email == request.email for u in self.users):
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"e-mail {request.email} is taken")
        user = users_pb2.User(
            id=uuid.uuid4().hex,
            email=request.email,
            display_name=request.display_name,
            version=1,
            status=users_pb2.User.STATUS_ACTIVE,
        )
        self.users.append(user)
        return user

    def CreateServiceAccount(self, request, context):
        self._require_token(context)
        account = users_pb2.ServiceAccount(
            client_id=f"svc-{request.name}-0000",
            name=request.name,
            roles=sorted(request.roles),
            active=True,
        )
        self.service_accounts.append(account)
        return users_pb2.CreateServiceAccountResponse(
            client_id=account.client_id, client_secret="s3cr3t-shown-once"
        )

    def ListServiceAccounts(self, request, context):
        self._require_token(context)
        return users_pb2.ListServiceAccountsResponse(service_accounts=self.service_accounts)

    def UpdateServiceAccountRoles(self, request, context):
        self._require_token(context)
        for account in self.service_accounts:
            if account.client_id == request.client_id:
                del account.roles[:]
                account.roles.extend(sorted(request.roles))
                return account
        context.abort(
            grpc.StatusCode.NOT_FOUND, f"no service account with client id {request.client_id!r}"
        )

    def ListSigningKeys(self, request, context):
        self._require_token(context)
        return auth_pb2.ListSigningKeysResponse(keys=self.signing_keys)

    def WithdrawSigningKey(self, request, context):
        self._require_token(context)
        for state in self.signing_keys:
            if state.key.kid == request.kid:
                state.withdrawn_at.CopyFrom(timestamp(datetime.now(UTC)))
                state.published = False
                state.key.active = False
                fresh = auth_pb2.SigningKeyState(
                    key=auth_pb2.SigningKey(kid="kid-fresh", active=True), published=True
                )
                self.signing_keys.insert(0, fresh)
                return auth_pb2.WithdrawSigningKeyResponse(withdrawn=state, active_kid="kid-fresh")
        context.abort(grpc.StatusCode.NOT_FOUND, f"no signing key {request.kid!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def identity():
    fake = FakeIdentity()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(fake, server)
    users_pb2_grpc.add_UserServiceServicer_to_server(fake, server)
    port = _free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    fake.address = f"127.0.0.1:{port}"
    yield fake
    server.stop(grace=None)


@pytest.fixture
def crmctl(tmp_path, identity):
    """Run crmctl against the fake identity with a private config folder."""
    from crmctl.main import cli

    runner = CliRunner()
    env = {
        "CRMCTL_CONFIG_DIR": str(tmp_path / "crmctl"),
        "CRM_IDENTITY_ADDRESS": identity.address,
        "COLUMNS": "200",
    }

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    run.config_dir = tmp_path / "crmctl"
    run.env = env  # a test adds the addresses of the fakes it serves (CRM_<SERVICE>_ADDRESS)
    return run


@pytest.fixture
def logged_in(crmctl):
    result = crmctl("login", "--email", EMAIL, "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return crmctl


@pytest.fixture
def serve_fake():
    """Serve generic gRPC handlers (a service's fake) on 127.0.0.1: ``address = serve_fake(h)``;
    every server started is stopped after the test."""
    servers = []

    def start(handlers) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=handlers)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(grace=None)


TERRITORY_MODULES = (org_pb2, teams_pb2, sales_lines_pb2, territories_pb2, routing_pb2, access_pb2)
DEALS_MODULES = (
    accounts_pb2,
    activities_pb2,
    billing_pb2,
    deals_pb2,
    pipelines_pb2,
    deals_exports_pb2,
    deals_migration_pb2,
    notifications_pb2,
    tasks_pb2,
    customer_emails_pb2,
    contracts_pb2,
    payments_pb2,
    account_profiles_pb2,
    duplicates_pb2,
)


class RecordingFake:
    """Every method of the services of ``modules``: records (method, request) and answers
    ``replies[method]`` (a message, a function of the request, or a (code, message) tuple to
    abort with), else an empty response. Refuses calls without the fake identity's access
    token, like the real services."""

    def __init__(self, identity, modules):
        self.identity = identity
        self.modules = modules
        self.requests: list[tuple[str, object]] = []
        self.replies: dict[str, object] = {}

    def sent(self, method: str) -> list:
        return [request for name, request in self.requests if name == method]

    def handlers(self):
        out = []
        for module in self.modules:
            for service in module.DESCRIPTOR.services_by_name.values():
                methods = {}
                for method in service.methods:
                    request_class = message_factory.GetMessageClass(method.input_type)
                    response_class = message_factory.GetMessageClass(method.output_type)
                    # a server stream answers the messages of its reply (a list) one by one
                    make = {
                        (False, False): grpc.unary_unary_rpc_method_handler,
                        (False, True): grpc.unary_stream_rpc_method_handler,
                        (True, True): grpc.stream_stream_rpc_method_handler,
                        (True, False): grpc.stream_unary_rpc_method_handler,
                    }[(method.client_streaming, method.server_streaming)]
                    methods[method.name] = make(
                        self._answer(method.name, response_class, method.server_streaming),
                        request_deserializer=request_class.FromString,
                        response_serializer=response_class.SerializeToString,
                    )
                out.append(grpc.method_handlers_generic_handler(service.full_name, methods))
        return out

    def _answer(self, name, response_class, streaming=False):
        def answer(request, context):
            token = dict(context.invocation_metadata()).get("authorization", "")
            if token.removeprefix("Bearer ") not in self.identity.valid_access:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid token")
            if not isinstance(request, Message):  # a client stream: every message, in order
                request = list(request)
            self.requests.append((name, request))
            reply = self.replies.get(name)
            if isinstance(reply, tuple):
                context.abort(*reply)
            if callable(reply):
                reply = reply(request)
            if reply is None:
                reply = [] if streaming else response_class()
            return iter(reply) if streaming else reply

        return answer


@pytest.fixture
def territory(identity, serve_fake):
    fake = RecordingFake(identity, TERRITORY_MODULES)
    fake.address = serve_fake(fake.handlers())
    return fake


@pytest.fixture
def deals(identity, serve_fake, monkeypatch):
    """A recording fake of every deals service, its address in ``CRM_DEALS_ADDRESS``."""
    fake = RecordingFake(identity, DEALS_MODULES)
    fake.address = serve_fake(fake.handlers())
    monkeypatch.setenv("CRM_DEALS_ADDRESS", fake.address)
    return fake


@pytest.fixture
def deals_pipelines(serve_fake):
    """deals' PipelineService.ListPipelines answering ``.pipelines`` (crmctl shows a line's
    pipeline from deals); its address is ``.address``."""
    from crm.deals.v1 import pipelines_pb2

    class Pipelines:
        def __init__(self):
            self.pipelines: list = []

    fake = Pipelines()
    fake.address = serve_fake(
        [
            grpc.method_handlers_generic_handler(
                "crm.deals.v1.PipelineService",
                {
                    "ListPipelines": grpc.unary_unary_rpc_method_handler(
                        lambda request, context: pipelines_pb2.ListPipelinesResponse(
                            pipelines=fake.pipelines
                        ),
                        request_deserializer=pipelines_pb2.ListPipelinesRequest.FromString,
                        response_serializer=pipelines_pb2.ListPipelinesResponse.SerializeToString,
                    )
                },
            )
        ]
    )
    return fake


# ---------------------------------------------------------------------------- leads
class FakeLeads(
    lead_service_pb2_grpc.LeadServiceServicer,
    campaign_pb2_grpc.CampaignServiceServicer,
    scoring_pb2_grpc.ScoringServiceServicer,
):
    def __init__(self, identity):
        self.identity = identity
        self.requests = []
        self.imported = {}  # (import id, row) -> lead id
        self.require_channel = False  # like the service: a row needs a channel
        self.route_imports = False  # imported leads appear routed to team-a, owned by owner
        self.owner = "ann"
        self.leads = [
            lead_pb2.Lead(
                id=f"lead-{n}",
                status=lead_pb2.LEAD_STATUS_NEW,
                data=lead_pb2.LeadInput(
                    person=lead_pb2.Person(
                        first_name="Jo", last_name=f"Doe{n}", email=f"jo{n}@acme.example"
                    )
                ),
                score=lead_pb2.LeadScore(score=80 - n, grade=lead_pb2.GRADE_A),
                assignment=lead_pb2.Assignment(team_id="team-a", owner_user_id="ann"),
            )
            for n in range(3)
        ]

    def _check(self, context, request):
        header = dict(context.invocation_metadata()).get("authorization", "")
        if header.removeprefix("Bearer ") not in self.identity.valid_access:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid or expired access token")
        self.requests.append(request)

    def CreateLead(self, request, context):
        self._check(context, request)
        replayed = (
            sum(
                isinstance(r, lead_service_pb2.CreateLeadRequest)
                and r.idempotency_key == request.idempotency_key
                for r in self.requests
            )
            > 1
        )
        return lead_service_pb2.CreateLeadResponse(
            lead=lead_pb2.Lead(id="lead-new", version=1), replayed=replayed
        )

    def _lead(self, lead_id, context):
        for lead in self.leads:
            if lead.id == lead_id:
                return lead
        context.abort(grpc.StatusCode.NOT_FOUND, f"lead {lead_id} not found")

    def GetLead(self, request, context):
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        answer = lead_pb2.Lead()
        answer.CopyFrom(lead)
        self._answer_conversion(lead)  # seen as it was, changed for the next read
        return answer

    def SearchLeads(self, request, context):
        self._check(context, request)
        start = int(request.page.cursor or 0)
        size = request.page.page_size
        page = self.leads[start : start + size]
        more = start + size < len(self.leads)
        return lead_service_pb2.SearchLeadsResponse(
            leads=page, page_info={"next_cursor": str(start + size) if more else ""}
        )

    def ConvertLead(self, request, context):
        """CONVERTING at once; deals "answers" by the next read: CONVERTED, or FAILED for a
        lead whose conversion is to fail."""
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        lead.conversion.state = lead_pb2.CONVERSION_STATE_CONVERTING
        return lead

    def _answer_conversion(self, lead):
        if lead.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTING:
            if lead.data.person.last_name == "Doe2":
                lead.conversion.state = lead_pb2.CONVERSION_STATE_FAILED
                lead.conversion.last_error = "account 'a-1' to link does not exist"
            else:
                lead.conversion.state = lead_pb2.CONVERSION_STATE_CONVERTED
                lead.conversion.opportunity_id = "deal-1"

    def DisqualifyLead(self, request, context):
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        lead.status = lead_pb2.LEAD_STATUS_DISQUALIFIED
        lead.disqualification_reason = request.reason
        return lead

    def UpdateLead(self, request, context):
        self._check(context, request)
        return self._lead(request.lead_id, context)

    def ImportLeads(self, request_iterator, context):
        requests = iter(request_iterator)
        header = next(requests).header
        self._check(context, header)
        totals = [0, 0, 0]
        batch = lead_service_pb2.ImportLeadsResponse()
        for request in requests:
            row = request.row
            totals[0] += 1
            email = next(
                (
                    v
                    for k, v in row.values.items()
                    if header.column_mapping.get(k) == "person.email"
                ),
                "",
            )
            has_channel = (
                header.default_channel or "source.channel" in header.column_mapping.values()
            )
            if self.require_channel and not has_channel:
                totals[2] += 1
                batch.problems.add(
                    row_number=row.row_number,
                    field="source.channel",
                    reason="is required: add a channel column or give the import a default channel",
                )
            elif "@" not in email:
                totals[2] += 1
                batch.problems.add(
                    row_number=row.row_number,
                    field="person.email",
                    reason=f"'{email}' has no '@'; write it as name@example.com",
                )
            else:
                totals[1] += 1
                key = (header.import_id, row.row_number)
                again = key in self.imported
                self.imported.setdefault(key, uuid.uuid4().hex)
                batch.accepted.add(
                    row_number=row.row_number, lead_id=self.imported[key], already_imported=again
                )
                if self.route_imports and not again:  # territory routes it to team-a
                    self.leads.append(
                        lead_pb2.Lead(
                            id=self.imported[key],
                            data=lead_pb2.LeadInput(
                                person=lead_pb2.Person(last_name=row.values.get("Last name", ""))
                            ),
                            assignment=lead_pb2.Assignment(
                                team_id="team-a", owner_user_id=self.owner
                            ),
                        )
                    )
            if totals[0] % 2 == 0:
                batch.rows_read, batch.rows_accepted, batch.rows_rejected = totals
                yield batch
                batch = lead_service_pb2.ImportLeadsResponse()
        batch.rows_read, batch.rows_accepted, batch.rows_rejected = totals
        yield batch
        yield lead_service_pb2.ImportLeadsResponse(
            rows_read=totals[0], rows_accepted=totals[1], rows_rejected=totals[2], done=True
        )

    def CreateCampaign(self, request, context):
        self._check(context, request)
        return campaign_pb2.Campaign(
            id="camp-1",
            version=1,
            **{
                f.name: getattr(request.campaign, f.name)
                for f in request.campaign.DESCRIPTOR.fields
                if f.name in ("name", "channel", "starts_on", "ends_on", "cost")
                and (
                    f.name not in ("starts_on", "ends_on", "cost")
                    or request.campaign.HasField(f.name)
                )
            },
        )

    def UpdateScoringModel(self, request, context):
        self._check(context, request)
        model = scoring_pb2.ScoringModel()
        model.CopyFrom(request.model)
        model.version = 2
        return model


@pytest.fixture
def fake_leads(identity, territory, monkeypatch):
    # territory names the teams and lines of the leads shown (crmctl.names).
    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    fake = FakeLeads(identity)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    lead_service_pb2_grpc.add_LeadServiceServicer_to_server(fake, server)
    campaign_pb2_grpc.add_CampaignServiceServicer_to_server(fake, server)
    scoring_pb2_grpc.add_ScoringServiceServicer_to_server(fake, server)
    # LeadInteractionService: recorded like deals' services (fake.interactions).
    fake.interactions = RecordingFake(identity, (interactions_pb2,))
    server.add_generic_rpc_handlers(fake.interactions.handlers())
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monkeypatch.setenv("CRM_LEADS_ADDRESS", f"127.0.0.1:{port}")
    yield fake
    server.stop(grace=None)


CSV = (
    "E-Mail,Last name,Company,Budget\n"
    "ann@acme.example,Lee,Acme,10k\n"
    "bob@acme.example,Mate,Acme,\n"
    "not-an-address,Broken,Acme,5k\n"
    "cat@acme.example,Cat,Acme,1k\n"
)


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(text=CSV)``: the path of a leads.csv holding ``text``."""

    def write(text=CSV):
        path = tmp_path / "leads.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def snapshot_fakes(identity, serve_fake, monkeypatch):
    """Recording fakes of deals', leads', territory's and catalog's SnapshotService (the
    backfill), by service name; their addresses in ``CRM_<SERVICE>_ADDRESS``."""
    from crm.catalog.v1 import snapshots_pb2 as catalog_snapshots
    from crm.deals.v1 import snapshots_pb2 as deals_snapshots
    from crm.leads.v1 import snapshots_pb2 as leads_snapshots
    from crm.territory.v1 import snapshots_pb2 as territory_snapshots

    fakes = {}
    for service, module in (
        ("deals", deals_snapshots),
        ("leads", leads_snapshots),
        ("territory", territory_snapshots),
        ("catalog", catalog_snapshots),
    ):
        fake = RecordingFake(identity, (module,))
        monkeypatch.setenv(f"CRM_{service.upper()}_ADDRESS", serve_fake(fake.handlers()))
        fakes[service] = fake
    return fakes


@pytest.fixture
def reporting(identity, territory, serve_fake, monkeypatch):
    """A recording fake of reporting's services (sales and marketing reports), its address in
    ``CRM_REPORTING_ADDRESS``; territory's fake names teams and lines."""
    from crm.reporting.v1 import marketing_pb2, reports_pb2

    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    territory.replies["ListSalesLines"] = sales_lines_pb2.ListSalesLinesResponse(
        sales_lines=[sales_lines_pb2.SalesLine(id="line-1", name="Enterprise", active=True)]
    )
    territory.replies["ListTeams"] = teams_pb2.ListTeamsResponse(
        teams=[teams_pb2.Team(id="team-a", name="Team A", active=True)]
    )
    territory.replies["GetTeam"] = lambda request: teams_pb2.GetTeamResponse(
        team=teams_pb2.Team(id=request.id, name="Team A" if request.id == "team-a" else "")
    )
    fake = RecordingFake(identity, (reports_pb2, marketing_pb2))
    monkeypatch.setenv("CRM_REPORTING_ADDRESS", serve_fake(fake.handlers()))
    return fake


@pytest.fixture
def privacy_fakes(identity, serve_fake, monkeypatch):
    """Recording fakes of deals' PrivacyService and leads' LeadPrivacyService (crmctl privacy),
    by service name; their addresses in ``CRM_<SERVICE>_ADDRESS``."""
    from crm.deals.v1 import privacy_pb2 as deals_privacy
    from crm.leads.v1 import privacy_pb2 as leads_privacy

    fakes = {}
    for service, module in (("deals", deals_privacy), ("leads", leads_privacy)):
        fake = RecordingFake(identity, (module,))
        monkeypatch.setenv(f"CRM_{service.upper()}_ADDRESS", serve_fake(fake.handlers()))
        fakes[service] = fake
    return fakes
