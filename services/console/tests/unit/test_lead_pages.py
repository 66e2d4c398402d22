"""The leads pages on fakes: search in the URL, the lead's page, its actions with the API's
refusals shown, creation with inline messages, CSV import with its report; another team's lead
answers like a lead that does not exist."""

from __future__ import annotations

import re
import time

import pytest

from crm_console.domain.errors import Unavailable

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def ann(world, make_lead):
    client, identity, leads, _ = world
    lead = make_lead
    person = identity.add("ann@example.com", "Ann")
    leads.teams["berlin"] = {person.user_id}
    leads.teams["munich"] = set()
    leads.leads["l1"] = lead("l1", person.user_id, team="berlin")
    leads.leads["l2"] = lead("l2", "someone", team="munich", company="Munich AG")
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(form.text).group(1),
            "email": person.email,
            "password": PASSWORD,
        },
    )
    return client, leads, CSRF.search(client.get("/").text).group(1)


def test_my_day_lists_my_open_leads_with_grade_and_factor_bars(ann):
    client, leads, _ = ann
    page = client.get("/")
    assert "Vogel GmbH" in page.text and "Munich AG" not in page.text
    assert '<meter min="0" max="100" value="100"' in page.text  # the largest factor: full bar
    assert leads.searches[-1].statuses == ("new", "working", "qualified")


def test_every_filter_is_read_from_the_url_and_bad_ones_are_named(ann):
    client, leads, _ = ann
    client.get(
        "/leads?q=vogel&status=new&grade=a&grade=b&min_score=10&country=de&attr.budget=high&sort=created_at&order=asc"
    )
    query = leads.searches[-1]
    assert (query.text, query.statuses, query.grades, query.min_score, query.countries) == (
        "vogel",
        ("new",),
        ("a", "b"),
        10,
        ("DE",),
    )
    assert query.custom_attributes == (("budget", "high"),) and query.sort == "created_at"
    assert query.ascending
    assert query.to_params() == (
        "q=vogel&status=new&grade=a&grade=b&country=DE&min_score=10&attr.budget=high"
        "&sort=created_at&order=asc"
    )
    bad = client.get("/leads?grade=z")
    assert bad.status_code == 400 and "grade: &#39;z&#39; is not one of a, b, c, d" in bad.text


def test_another_teams_lead_is_the_page_of_a_lead_that_does_not_exist(ann):
    client, _, _ = ann
    theirs, missing = client.get("/leads/l2"), client.get("/leads/l9")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace("l2", "ID") == missing.text.replace("l9", "ID")
    assert "Munich AG" not in theirs.text


def test_actions_change_the_lead_and_a_refusal_shows_the_apis_message(ann):
    client, leads, token = ann
    page = client.get("/leads/l1")
    assert "Start working" in page.text and "Vogel GmbH" in page.text
    client.post("/leads/l1/work", data={"csrf_token": token})
    assert leads.leads["l1"].status == "working"
    refused = client.post("/leads/l1/work", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "only a new lead can be worked" in refused.text
    no_reason = client.post("/leads/l1/disqualify", data={"csrf_token": token, "reason": ""})
    assert "choose why the lead is disqualified" in no_reason.text
    client.post("/leads/l1/disqualify", data={"csrf_token": token, "reason": "no_budget"})
    assert leads.leads["l1"].disqualification_reason == "no_budget"


def test_a_created_lead_opens_and_a_refusal_is_shown_at_its_field(ann):
    client, _, token = ann
    form = client.get("/leads/new")
    key = re.search(r'name="form_key" value="([^"]+)"', form.text).group(1)
    refused = client.post(
        "/leads/new", data={"csrf_token": token, "form_key": key, "person.last_name": "Vogel"}
    )
    assert refused.status_code == 422
    assert 'id="problem-person.email"' in refused.text
    assert 'value="Vogel"' in refused.text and f'value="{key}"' in refused.text  # kept
    created = client.post(
        "/leads/new",
        data={"csrf_token": token, "form_key": key, "person.email": "new@vogel.de"},
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"].startswith("/leads/lead-")


def test_a_csv_import_reports_its_progress_and_each_refused_row(ann):
    client, _, token = ann
    started = client.post(
        "/leads/import",
        data={"csrf_token": token},
        files={"file": ("leads.csv", "E-Mail,Company\na@b.de,A\nx,B\n", "text/csv")},
        follow_redirects=False,
    )
    assert started.status_code == 303
    deadline = time.monotonic() + 10
    while "The import is finished." not in (page := client.get(started.headers["location"])).text:
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.05)
    assert '<progress id="import-progress" max="100" value="100">' in page.text
    assert "&#39;x&#39; is not an e-mail address" in page.text


def test_a_conversion_shows_its_state_and_polls_until_deals_answers(ann, make_lead):
    client, leads, token = ann
    client.post("/leads/l1/qualify", data={"csrf_token": token})
    client.post("/leads/l1/convert", data={"csrf_token": token, "opportunity_name": "Vogel deal"})
    part = client.get("/leads/l1/conversion", headers={"HX-Request": "true"})
    assert "requested" in part.text and 'hx-trigger="every 2s"' in part.text
    leads.leads["l1"] = make_lead(
        "l1", leads.leads["l1"].owner_user_id, team="berlin", status="converted"
    )
    assert "hx-trigger" not in client.get("/leads/l1/conversion").text  # done: no more polling


def test_a_merge_names_the_duplicate_and_refuses_the_lead_itself(ann, make_lead):
    client, leads, token = ann
    leads.leads["l3"] = make_lead("l3", "x", team="berlin")
    itself = client.post("/leads/l1/merge", data={"csrf_token": token, "duplicate_id": "l1"})
    assert "a lead cannot be merged into itself" in itself.text
    client.post("/leads/l1/merge", data={"csrf_token": token, "duplicate_id": "l3"})
    assert leads.leads["l3"].merged_into_lead_id == "l1"


def test_my_day_lists_my_open_deals_and_survives_deals_not_answering(world, make_lead):
    client, identity, leads, _ = world
    ann = identity.add("ann@example.com", "Ann")  # user-1: the fake deals' owner
    leads.teams["berlin"] = {ann.user_id}
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {ann.user_id}
    deals.add("d1", "new", "1000.00")
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(form.text).group(1),
            "email": ann.email,
            "password": PASSWORD,
        },
    )
    page = client.get("/")
    assert 'href="/deals/d1"' in page.text and "€1,000.00" in page.text

    def unavailable(token, owner_user_id):
        raise Unavailable("a service did not answer (UNAVAILABLE); try again")

    deals.my_open_deals = unavailable
    page = client.get("/")
    assert page.status_code == 200 and "Deals did not answer" in page.text
