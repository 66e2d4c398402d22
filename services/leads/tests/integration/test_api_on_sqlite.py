"""leads' gRPC api on a SQLite file, as ``make run`` serves it, driven the way a person does:
one call after the other answered, each a use case whose transaction holds SQLite's write lock
while it asks the access replica about the team, with moves between teams in between. Every call
answers at once (the replica's reads used to queue behind the lock of the call that made them,
wait out the 30 s busy timeout and answer UNAVAILABLE)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import grpc
import pytest

from crm.leads.v1 import lead_pb2, lead_service_pb2, lead_service_pb2_grpc
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_leads import migrate
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.entrypoints import api
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.entrypoints.wiring import build_dependencies
from crm_leads.entrypoints.worker import ROUTING
from crm_leads.service_layer.assignment import apply_routing
from crm_testkit.auth import TestKeys

pytestmark = pytest.mark.integration
CALL_TIMEOUT = 10  # far below the 30 s busy timeout a blocked read waited out


@pytest.fixture
def sqlite_api(tmp_path):
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    migrate.upgrade(url)
    # The replica's default memory (0.25 s) is what make run uses; each call below comes after
    # it has expired for the team asked about (every call follows a change of that team).
    settings = LeadsSettings.load(
        "leads", env={}, database_url=url, grpc_port=0, metrics_port=0, shutdown_grace_seconds=0.5
    )
    engine = make_engine(url)
    deps = build_dependencies(settings, engine=engine)
    keys = TestKeys()
    server = api.start(settings, deps, verifier=keys.verifier(), access_log=False)
    channel = grpc.insecure_channel(server.address)
    try:
        yield engine, deps, keys, lead_service_pb2_grpc.LeadServiceStub(channel)
    finally:
        channel.close()
        server.stop(0)
        deps.close()
        engine.dispose()


def test_a_person_assigning_leads_call_after_call_on_the_embedded_default(sqlite_api):
    engine, deps, keys, leads = sqlite_api
    versions = itertools.count(1)

    def grant(user_id, *grants):
        with make_session_factory(engine)() as session:
            assert apply_user_access_changed(
                session, user_access_changed_message(user_id, next(versions), grants)
            )
            session.commit()
        deps.scopes.replica.invalidate()  # as the worker's handler does on every snapshot

    def call(method, request, user_id, departments=("sales",), kind="user", roles=()):
        token = keys.token(user_id, kind, tuple(roles), departments, user_id)
        return method(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=CALL_TIMEOUT
        )

    team, other = "team-a", "team-b"
    for user, role in (("owner", "expert"), ("mate", "expert"), ("boss", "supervisor")):
        grant(user, Grant(team, role, "membership"))
    grant("newcomer", Grant(other, "expert", "membership"))
    created = call(
        leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex,
            lead=lead_pb2.LeadInput(
                person=lead_pb2.Person(
                    first_name="Jo",
                    last_name="Park",
                    email=f"jo.{uuid.uuid4().hex[:8]}@parkworks.example",
                ),
                source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM),
            ),
        ),
        "webform",
        departments=(),
        kind="service",
        roles=("capture_leads",),
    ).lead
    assert apply_routing(
        deps,
        ROUTING,
        RoutingDecision(
            uuid.uuid4().hex,
            created.id,
            dt.datetime.now(dt.UTC),
            "line-a",
            team,
            "owner",
            "test routing",
        ),
    )

    owners = []
    for to in ("mate", "owner", "mate"):
        owners.append(
            call(
                leads.AssignLead,
                lead_service_pb2.AssignLeadRequest(lead_id=created.id, owner_user_id=to),
                "boss",
            ).assignment.owner_user_id
        )
    grant("newcomer", Grant(team, "expert", "membership"))  # moves into the team
    owners.append(
        call(
            leads.AssignLead,
            lead_service_pb2.AssignLeadRequest(lead_id=created.id, owner_user_id="newcomer"),
            "boss",
        ).assignment.owner_user_id
    )
    grant("mate", Grant(other, "expert", "membership"))  # moves out of it
    refused = None
    try:
        call(
            leads.AssignLead,
            lead_service_pb2.AssignLeadRequest(lead_id=created.id, owner_user_id="mate"),
            "boss",
        )
    except grpc.RpcError as exc:
        refused = exc
    assert owners == ["mate", "owner", "mate", "newcomer"]
    assert refused is not None and refused.code() == grpc.StatusCode.INVALID_ARGUMENT
