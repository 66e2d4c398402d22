"""The Organisation area's pipelines, automation rules and catalog on fakes: stages in order,
a rule disabled and a refused enable shown with deals' message, products and price lists, and a
price lookup with catalog's explanation (a refused currency at its field)."""

from __future__ import annotations

import html
import re

import pytest

from crm_console.domain.organisation import AutomationRule, SalesLine
from crm_console.domain.team import Team

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
    assert "proposal" in page and 'name="stage-1-probability" value="50"' in page
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


def test_stages_are_revised_in_order_and_a_stage_holding_deals_needs_a_move(mia):
    client, deals = mia
    deals.add("d1", "proposal", "100")
    page = client.get("/organisation/pipelines/pipeline-1")
    token = CSRF.search(page.text).group(1)
    base = {"csrf_token": token, "form": "revise-stages", "version": "2", "rows": "5"}
    rows = {
        "stage-0-key": "new",
        "stage-0-name": "New",
        "stage-0-probability": "10",
        "stage-0-category": "pipeline",
        "stage-0-days": "7",
        "stage-0-position": "2",
        "stage-1-key": "proposal",
        "stage-1-name": "Offer",
        "stage-1-probability": "50",
        "stage-1-category": "best_case",
        "stage-1-days": "",
        "stage-1-position": "3",
        "stage-2-key": "won_only",
        "stage-2-name": "Won",
        "stage-2-remove": "1",
        "stage-3-key": "qualify",
        "stage-3-name": "Qualify",
        "stage-3-probability": "20",
        "stage-3-category": "pipeline",
        "stage-3-position": "1",
        "stage-4-key": "",
        "stage-4-name": "",  # an empty new row is skipped
    }
    done = client.post(
        "/organisation/pipelines/pipeline-1/stages", data={**base, **rows}, follow_redirects=False
    )
    assert done.status_code == 303
    stages, moves = deals.revisions[-1]
    assert [s.key for s in stages] == ["qualify", "new", "proposal"]
    assert stages[2].name == "Offer" and stages[2].forecast_category == "best_case"
    assert moves == {}
    refused = client.post(
        "/organisation/pipelines/pipeline-1/stages",
        data={**base, **rows, "stage-1-remove": "1"},
    )
    assert refused.status_code == 409
    assert "stage 'proposal' holds open deals" in main(refused.text)
    moved = client.post(
        "/organisation/pipelines/pipeline-1/stages",
        data={**base, **rows, "stage-1-remove": "1", "stage-1-move_to": "new"},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and deals.revisions[-1][1] == {"proposal": "new"}
    typo = client.post(
        "/organisation/pipelines/pipeline-1/stages",
        data={**base, **rows, "stage-3-probability": "120"},
    )
    assert 'id="stage-3-probability-problem"' in typo.text
    assert 'value="120"' in typo.text  # the entry is kept


def test_a_manager_creates_an_automation_rule_for_the_lines_team(mia):
    client, deals = mia
    fake = client.app.state.console.deps.organisation
    fake.team_rows["team-1"] = Team(
        "team-1", "Berlin Reps", "unit-1", "round_robin", "UTC", True, 1
    )
    fake.line_rows["line-1"] = SalesLine(
        "line-1", "SMB", "", "quote", "pipeline-1", ("team-1",), True
    )
    page = client.get("/organisation/pipelines/pipeline-1")
    assert 'name="team_ids" value="team-1"' in page.text  # the line's team is offered
    form = {
        "csrf_token": CSRF.search(page.text).group(1),
        "form": "create-rule",
        "name": "Tell the manager",
        "trigger": "stage_entered",
        "stage_key": "proposal",
        "action_kind": "notify",
        "recipients": ["owner", "manager"],
        "subject": "{{ deal.name }} reached Proposal",
        "team_ids": "team-1",
    }
    done = client.post(
        "/organisation/pipelines/pipeline-1/automation", data=form, follow_redirects=False
    )
    assert done.status_code == 303
    made = deals.automation["r3"]
    assert made.stage_key == "proposal" and made.team_ids == ("team-1",)
    assert made.actions == ("notify: owner, manager",)
    refused = client.post(
        "/organisation/pipelines/pipeline-1/automation", data={**form, "subject": "{{ deal.nme }}"}
    )
    assert refused.status_code == 409 and 'id="create-rule-subject-problem"' in refused.text
    assert "unknown placeholder &#39;deal.nme&#39;" in refused.text
    no_team = client.post(
        "/organisation/pipelines/pipeline-1/automation", data={**form, "team_ids": ""}
    )
    assert "choose the teams whose deals the rule fires for" in no_team.text
