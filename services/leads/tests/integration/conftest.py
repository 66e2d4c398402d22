"""Integration fixtures of leads: one throw-away PostgreSQL database migrated to head (session),
an engine on it, settings pointing at it, the use cases' dependencies wired as in production
(except the handover strategy, which tests replace), and helpers to give users team scopes in
the local access replica (as territory's user_access_changed would)."""

from __future__ import annotations

import itertools
import types
import uuid

import pytest

from crm_chassis.caller import SERVICE, Caller
from crm_chassis.db import make_session_factory
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_chassis.service_roles import CAPTURE_LEADS
from crm_leads import migrate
from crm_leads.adapters.search_sql import configure_engine
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.entrypoints.wiring import build_dependencies
from crm_leads.service_layer import leads as lead_cases
from crm_testkit import database_fixtures

pytestmark = pytest.mark.integration


database_url, engine = database_fixtures("leads", migrate.upgrade, configure=configure_engine)


@pytest.fixture(scope="session")
def settings(database_url):
    return LeadsSettings.load(
        "leads",
        env={},
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        shutdown_grace_seconds=0.5,
        scope_staleness_seconds=0.0,
    )


class RecordingHandover:
    """Round robin over the remaining members, recording each call (territory's ChooseOwners
    is exercised against territory itself in the end-to-end tests)."""

    def __init__(self):
        self.calls = []

    def distribute(self, team_id, leaving_user_id, lead_ids, remaining_member_ids):
        self.calls.append((team_id, leaving_user_id, list(lead_ids)))
        members = sorted(remaining_member_ids)
        return (
            {lead: members[i % len(members)] for i, lead in enumerate(lead_ids)} if members else {}
        )


@pytest.fixture(scope="session")
def handover():
    return RecordingHandover()


@pytest.fixture(scope="session")
def deps(settings, engine, handover):
    deps = build_dependencies(settings, engine=engine, handover=handover)
    yield deps
    deps.close()


@pytest.fixture(scope="session")
def replica(deps):
    """The access replica the use cases read (tests invalidate it after writing a snapshot)."""
    return deps.scopes.replica


@pytest.fixture(scope="session")
def grant_scopes(engine, replica):
    """grant_scopes("ann", {"team-a": "expert"}) stores ann's next snapshot in the replica.
    Memberships are grants with source "membership" (TeamDirectory reads those)."""
    versions = itertools.count(1)
    session_factory = make_session_factory(engine)

    def grant(user_id: str, roles: dict[str, str], *, active: bool = True) -> None:
        grants = [Grant(team, role, "membership") for team, role in roles.items()]
        message = user_access_changed_message(user_id, next(versions), grants, active=active)
        with session_factory() as session:
            assert apply_user_access_changed(session, message)
            session.commit()
        replica.invalidate(user_id)

    return grant


# -- helpers shared by the test modules (the importlib import mode has no test package) --
FORM = Caller("webform", kind=SERVICE, roles=frozenset({CAPTURE_LEADS}), display_name="web form")
MARKETING = Caller("mia", departments=frozenset({"marketing"}), display_name="Mia Marketing")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def person_values(**extra) -> dict:
    tag = uuid.uuid4().hex[:10]
    values = {
        "person.first_name": "Jörg",
        "person.last_name": f"Müller{tag}",
        "person.email": f"jorg.{tag}@acme.example",
        "company.name": "ACME GmbH",
        "source.channel": "web_form",
        "sales_line_id": "line-int",
    }
    values.update(extra)
    return values


def capture(deps, caller=FORM, key=None, policy=lead_cases.DuplicatePolicy.REJECT, **values):
    return lead_cases.create_lead(
        deps,
        caller,
        idempotency_key=key or unique("key"),
        values=values or person_values(),
        on_duplicate=policy,
    )


@pytest.fixture(scope="session")
def h():
    """Helpers: h.capture(deps, ...), h.person_values(...), h.unique(prefix), h.FORM, ..."""
    return types.SimpleNamespace(
        FORM=FORM, MARKETING=MARKETING, unique=unique, person_values=person_values, capture=capture
    )
