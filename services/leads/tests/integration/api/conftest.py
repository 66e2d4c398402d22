"""gRPC API fixtures on PostgreSQL: leads' api served by crm_leads.entrypoints.api.start (the
production wiring from the parent conftest) with a throw-away signing key it trusts, a client,
and a fresh team of people per test (scopes stored in the access replica as territory's
user_access_changed would store them)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

import grpc
import pytest

from crm.leads.v1 import campaign_pb2_grpc, lead_service_pb2_grpc, scoring_pb2_grpc
from crm_chassis.db import make_session_factory
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_chassis.service_roles import CAPTURE_LEADS, RECORD_LEAD_ACTIVITY
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.entrypoints import api
from crm_leads.entrypoints.worker import ROUTING
from crm_leads.service_layer.assignment import apply_routing
from crm_testkit.auth import TestKeys


@pytest.fixture(scope="session")
def keys():
    return TestKeys()


@pytest.fixture(scope="session")
def server(settings, deps, keys):
    running = api.start(settings, deps, verifier=keys.verifier(), access_log=False)
    yield running
    running.stop(0)


@dataclass(frozen=True)
class Person:
    id: str
    departments: tuple[str, ...] = ("sales",)
    roles: tuple[str, ...] = ()
    kind: str = "user"


class Client:
    """Stubs plus ``call(method, request, person)`` sending that person's bearer token."""

    def __init__(self, address: str, keys: TestKeys):
        self.channel = grpc.insecure_channel(address)
        self.leads = lead_service_pb2_grpc.LeadServiceStub(self.channel)
        self.campaigns = campaign_pb2_grpc.CampaignServiceStub(self.channel)
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(self.channel)
        self.keys = keys

    def metadata(self, person: Person):
        token = self.keys.token(person.id, person.kind, person.roles, person.departments, person.id)
        return (("authorization", f"Bearer {token}"),)

    def call(self, method, request, person: Person):
        return method(request, metadata=self.metadata(person), timeout=10)

    def error(self, method, request, person: Person) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, request, person)
        return caught.value


@pytest.fixture(scope="session")
def client(server, keys):
    client = Client(server.address, keys)
    yield client
    client.channel.close()


class Team:
    """team-<hex> with owner, mate and supervisor as members, a manager of the unit above
    (unit_manager grant), a member of another team, an admin in no team, a stranger, and
    service accounts: a web form (capture_leads), an e-mail platform (record_lead_activity)
    and one without any service role."""

    def __init__(self, engine, deps):
        tag = uuid.uuid4().hex[:8]
        self.id, self.other_id, self.line = f"team-{tag}", f"other-{tag}", f"line-{tag}"
        self.owner, self.mate, self.supervisor = (
            Person(f"{n}-{tag}") for n in ("owner", "mate", "supervisor")
        )
        self.manager = Person(f"manager-{tag}", departments=("management",))
        self.outsider = Person(f"outsider-{tag}")
        self.admin = Person(f"admin-{tag}", departments=(), roles=("admin",))
        self.stranger = Person(f"stranger-{tag}")
        self.marketer = Person(f"marketer-{tag}", departments=("marketing",))
        self.form = Person(f"webform-{tag}", departments=(), roles=(CAPTURE_LEADS,), kind="service")
        self.mailer = Person(
            f"mailer-{tag}", departments=(), roles=(RECORD_LEAD_ACTIVITY,), kind="service"
        )
        self.bare_service = Person(f"service-{tag}", departments=(), kind="service")
        self._engine, self._deps = engine, deps
        self._versions = itertools.count(1)
        for person, role in (
            (self.owner, "expert"),
            (self.mate, "expert"),
            (self.supervisor, "supervisor"),
        ):
            self.grant(person, Grant(self.id, role, "membership"))
        self.grant(self.manager, Grant(self.id, "manager", "unit_manager", f"unit-{tag}"))
        self.grant(self.outsider, Grant(self.other_id, "expert", "membership"))

    def grant(self, person: Person, *grants: Grant, active: bool = True) -> None:
        message = user_access_changed_message(
            person.id, next(self._versions), grants, active=active
        )
        with make_session_factory(self._engine)() as session:
            assert apply_user_access_changed(session, message)
            session.commit()
        self._deps.scopes.replica.invalidate(person.id)

    def route(self, lead_id: str, owner: Person | None = None, team_id: str = "") -> None:
        """Place the lead as territory's lead_routed would (the worker's handler does this)."""
        owner = owner or self.owner
        assert apply_routing(
            self._deps,
            ROUTING,
            RoutingDecision(
                uuid.uuid4().hex,
                lead_id,
                dt.datetime.now(dt.UTC),
                self.line,
                team_id or self.id,
                owner.id,
                "integration test routing",
            ),
        )


@pytest.fixture
def team(engine, deps):
    return Team(engine, deps)
