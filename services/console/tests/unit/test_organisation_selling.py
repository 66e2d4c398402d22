"""The Organisation area's pipelines, automation rules and catalog on fakes: stages in order,
a rule disabled and a refused enable shown with deals' message, products and price lists, and a
price lookup with catalog's explanation (a refused currency at its field)."""

from __future__ import annotations

import html
import re

import pytest

from crm_console.domain.organisation import AutomationRule, SalesLine

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def main(page: str) -> str:
    return html.unescape(page[page.index("<main") : page.index("</main>")])


@pytest.fixture
def mia(world):
    client, identity, _, _ = world
    person = identity.add("mia@example.com", "Mia")
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(form.text).group(1),
            "email": "mia@example.com",
            "password": PASSWORD,
        },
    )
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {person.user_id}
    for rule_id, teams in (("r1", ("team-1",)), ("r2", ())):
        deals.automation[rule_id] = AutomationRule(
            rule_id,
            "pipeline-1",
            f"Rule {rule_id}",
            "stage_entered",
            "proposal",
            0,
            ("notify: owner, manager",),
            bool(teams),
            teams,
            "" if teams else "no team scope",
        )
    return client, deals


def test_pipelines_show_their_stages_in_order(mia):
    client, _ = mia
    listed = main(client.get("/organisation/pipelines").text)
    assert "SMB pipeline" in listed and listed.index("New") < listed.index("Proposal")
    page = main(client.get("/organisation/pipelines/pipeline-1").text)
    assert "proposal" in page and "50%" in page
    assert client.get("/organisation/pipelines/nope").status_code == 404


def test_an_automation_rule_is_disabled_and_a_refused_enable_shows_deals_message(mia):
    client, deals = mia
    page = client.get("/organisation/pipelines/pipeline-1")
    token = CSRF.search(page.text).group(1)
    assert "notify: owner, manager" in main(page.text)
    done = client.post(
        "/organisation/pipelines/pipeline-1/automation/r1",
        data={"csrf_token": token, "form": "automation-r1", "enabled": "0"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and deals.automation["r1"].enabled is False
    refused = client.post(
        "/organisation/pipelines/pipeline-1/automation/r2",
        data={"csrf_token": token, "form": "automation-r2", "enabled": "1"},
    )
    assert refused.status_code == 409
    assert "a rule without teams cannot be enabled" in main(refused.text)
    assert (
        client.post(
            "/organisation/pipelines/pipeline-1/automation/r1", data={"enabled": "1"}
        ).status_code
        == 403
    )


def test_a_line_page_links_its_pipeline(mia):
    client, _ = mia
    fake = client.app.state.console.deps.organisation
    fake.line_rows["line-1"] = SalesLine("line-1", "SMB", "", "quote", "pipeline-1", (), True)
    page = main(client.get("/organisation/lines/line-1").text)
    assert 'href="/organisation/pipelines/pipeline-1"' in page and "3 stages" in page


def test_catalog_browsing_and_a_price_lookup_with_its_explanation(mia):
    client, _ = mia
    page = main(client.get("/organisation/catalog").text)
    assert "Seat licence" in page and "Retired add-on" in page and "Standard EUR" in page
    looked_up = main(
        client.get("/organisation/catalog?product_id=p1&quantity=3&unit=&currency=eur").text
    )
    assert "€149.70" in looked_up and "list 'Standard EUR': 49.90 EUR per seat" in looked_up
    refused = client.get("/organisation/catalog?product_id=p1&quantity=1&currency=USD")
    assert 'id="price-lookup-currency-problem"' in refused.text
    assert "no price list in USD applies" in refused.text
    unchosen = client.get("/organisation/catalog?product_id=&currency=EUR")
    assert 'id="price-lookup-product_id-problem"' in unchosen.text
