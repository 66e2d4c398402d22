"""The console's pages over the real processes of identity, territory and leads: a rep signs in
with their e-mail and password, sees their routed lead on "my day" and opens it; a member of
another team, and an administrator who is not a member, get the very page an id that does not
exist gets. The console runs in-process (Starlette's TestClient) with its real gRPC gateways and
the people's own tokens."""

from __future__ import annotations

import re

import pytest
from e2e_platform import (
    PASSWORD,
    As,
    Stubs,
    german_line,
    small_company,
    visible_lead,
    web_form_lead,
)
from starlette.testclient import TestClient

from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app
from crm_devrun.bed import ADMIN_EMAIL, ADMIN_PASSWORD, PlatformBed
from crm_testkit import free_port

pytestmark = pytest.mark.integration
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with PlatformBed(["identity", "territory", "leads"], tmp_path_factory.mktemp("bed")) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        created = admin(stubs.leads.CreateLead, web_form_lead(line.id))
        people = company["people"]
        lead = bed.wait_for(
            lambda: visible_lead(stubs, people["sue"], created.lead.id),
            60,
            "the lead was not routed to Berlin with an owner",
        )
        owner = next(
            n for n in ("ann", "bob", "sue") if people[n].user_id == lead.assignment.owner_user_id
        )
        settings = ConsoleSettings.load(
            "console",
            {
                "CRM_ENV": "test",
                "CRM_CONSOLE_IDENTITY_ADDRESS": bed.address("identity"),
                "CRM_CONSOLE_LEADS_ADDRESS": bed.address("leads"),
                # No deals in this bed: a port nobody listens on (my day says deals is away).
                "CRM_CONSOLE_DEALS_ADDRESS": f"127.0.0.1:{free_port()}",
            },
        )
        yield dict(bed=bed, stubs=stubs, lead=lead, owner=owner, settings=settings, **company)


def emails(platform):
    stubs, admin_token = platform["stubs"], platform["bed"].admin_token()
    from crm.identity.v1 import users_pb2

    return {
        name: As(admin_token)(stubs.users.GetUser, users_pb2.GetUserRequest(id=p.user_id)).email
        for name, p in platform["people"].items()
    }


def signed_in(platform, email: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(build_app(platform["settings"]), base_url="https://console.test")
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf_token": CSRF.search(form.text).group(1), "email": email, "password": password},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def test_a_rep_signs_in_and_sees_their_lead(platform):
    addresses = emails(platform)
    lead = platform["lead"]
    with signed_in(platform, addresses[platform["owner"]]) as client:
        day = client.get("/")
        assert day.status_code == 200
        assert lead.data.company.name in day.text and f"/leads/{lead.id}" in day.text
        assert "Deals did not answer" in day.text  # its part only: the leads are there
        page = client.get(f"/leads/{lead.id}")
        assert page.status_code == 200
        assert lead.data.person.email in page.text and "Start working" in page.text


def test_a_wrong_password_is_said_so(platform):
    addresses = emails(platform)
    with TestClient(build_app(platform["settings"]), base_url="https://console.test") as client:
        form = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={
                "csrf_token": CSRF.search(form.text).group(1),
                "email": addresses["ann"],
                "password": "not the password at all",
            },
        )
        assert answer.status_code == 401
        assert "The e-mail address or the password is wrong." in answer.text


def same_page(client, lead_id: str) -> bool:
    """The lead's URL answers exactly like an id that does not exist (the ids aside: the page
    remembers its own address for the language form)."""
    missing_id = "0" * 32
    theirs, missing = client.get(f"/leads/{lead_id}"), client.get(f"/leads/{missing_id}")
    assert theirs.status_code == missing.status_code == 404
    return theirs.text.replace(lead_id, "ID") == missing.text.replace(missing_id, "ID")


def test_another_team_and_an_administrator_see_no_such_lead(platform):
    addresses = emails(platform)
    lead = platform["lead"]
    with signed_in(platform, addresses["cid"]) as client:
        assert same_page(client, lead.id)
        assert lead.data.company.name not in client.get("/leads").text
    with signed_in(platform, ADMIN_EMAIL, ADMIN_PASSWORD) as client:
        assert same_page(client, lead.id)
