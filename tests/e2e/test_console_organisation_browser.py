"""The console's Organisation pages in headless Chromium, over the real processes of identity,
territory, deals and catalog: a supervisor's route preview explains which territory and rule a
typed lead matches (htmx, while typing); a change territory refuses shows territory's own
message; an administrator creates a unit, a team in it and a sales line the team works. The
pages pass the accessibility check and are photographed for docs/console.md (English,
Persian)."""

from __future__ import annotations

import pytest
from console_sales_floor import SERVICES, company, console, person
from e2e_platform import PASSWORD, As, Stubs, create_pipeline, german_line, unique

from crm.territory.v1 import org_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_devrun.bed import PlatformBed
from crm_testkit.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def floor(tmp_path_factory, browser):
    workdir = tmp_path_factory.mktemp("bed")
    with PlatformBed(SERVICES, workdir) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        org = company(bed, stubs, admin)
        line = german_line(stubs, admin, {"berlin": org["berlin"], "munich": org["munich"]})
        pipeline = create_pipeline(bed, admin, line.id)
        root, root_email = person(bed, stubs, admin, "root", roles=("admin",))
        org["people"]["root"], org["emails"]["root"] = root, root_email
        with console(bed, workdir) as url:
            yield dict(bed=bed, stubs=stubs, line=line, pipeline=pipeline, url=url, **org)


def signed_in(browser, floor, who: str, language: str = "en"):
    """Signed in through the console's own form, landing on the Organisation area (my day
    would ask leads, which this floor does not run)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{floor['url']}/sign-in?next=/organisation")
    page.get_by_label("E-mail").fill(floor["emails"][who])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/sign-in" not in address, timeout=60_000)
    if language != "en":
        context.add_cookies([{"name": "crm_lang", "value": language, "url": floor["url"]}])
    return page


def test_a_route_preview_explains_its_rule(browser, floor):
    page = signed_in(browser, floor, "sue")  # supervisor of Berlin: may preview
    page.goto(f"{floor['url']}/organisation/territories")
    page.get_by_label("Country (ISO code)").fill("DE")
    answer = page.locator("#route-preview-answer")
    answer.get_by_text("Goes to").wait_for(timeout=15_000)  # htmx, while typing
    text = answer.inner_text()
    assert "Goes to Germany" in text
    assert "DE" in answer.locator(".rule-name").inner_text()  # the rule that matched
    assert "rule 1 of the territory, rules version 1" in text
    assert floor["berlin"].name in text  # the team it goes to
    check_accessibility(page)
    screenshot(page, "organisation-territories-en")
    page.get_by_label("Country (ISO code)").fill("FR")
    answer.get_by_text("Waits in the unassigned queue").wait_for(timeout=15_000)
    page.context.close()


def test_a_refused_change_shows_the_apis_message(browser, floor):
    sue = floor["people"]["sue"]
    refusal = sue.error(
        floor["stubs"].org.CreateOrgUnit,
        org_pb2.CreateOrgUnitRequest(name="Sue's unit", department="sales"),
    )
    assert refusal is not None
    page = signed_in(browser, floor, "sue")
    page.goto(f"{floor['url']}/organisation")
    form = page.locator("#create-unit")
    form.get_by_label("Name", exact=True).fill("Sue's unit")
    form.get_by_label("Department (top level only)").fill("sales")
    form.get_by_role("button", name="Create unit").click()
    problem = page.locator("#page-problem")
    problem.wait_for()
    assert problem.inner_text() == refusal.details()  # territory's own sentence
    assert form.get_by_label("Name", exact=True).input_value() == "Sue's unit"  # kept
    check_accessibility(page)
    page.context.close()


def test_an_administrator_creates_a_unit_a_team_and_a_line(browser, floor):
    unit_name, team_name, line_name = unique("Nordics"), unique("Oslo"), unique("Enterprise")
    page = signed_in(browser, floor, "root")
    page.goto(f"{floor['url']}/organisation")
    form = page.locator("#create-unit")
    form.get_by_label("Name", exact=True).fill(unit_name)
    form.get_by_label("Department (top level only)").fill("sales")
    form.get_by_role("button", name="Create unit").click()
    page.get_by_text("Unit created.").wait_for()
    form = page.locator("#create-team")
    form.get_by_label("Name", exact=True).fill(team_name)
    form.get_by_label("Unit").select_option(label=unit_name)
    form.get_by_label("Time zone").fill("Europe/Oslo")
    form.get_by_role("button", name="Create team").click()
    page.get_by_text("Team created.").wait_for()
    assert page.get_by_role("link", name=team_name).is_visible()
    check_accessibility(page)
    screenshot(page, "organisation-en")

    page.goto(f"{floor['url']}/organisation/lines")
    form = page.locator("#create-line")
    form.get_by_label("Name", exact=True).fill(line_name)
    form.get_by_label("Workflow").select_option("contract")
    form.get_by_label(team_name).check()
    form.get_by_role("button", name="Create sales line").click()
    page.get_by_text("Sales line created.").wait_for()
    assert page.get_by_role("link", name=line_name).is_visible()
    check_accessibility(page)

    root = floor["people"]["root"]
    teams = root(floor["stubs"].teams.ListTeams, teams_pb2.ListTeamsRequest()).teams
    team = next(t for t in teams if t.name == team_name)
    lines = root(
        floor["stubs"].lines.ListSalesLines, sales_lines_pb2.ListSalesLinesRequest()
    ).sales_lines
    made = next(x for x in lines if x.name == line_name)
    assert list(made.team_ids) == [team.id]
    assert made.workflow_kind == sales_lines_pb2.WORKFLOW_KIND_CONTRACT
    page.context.close()


def test_every_organisation_page_passes_the_accessibility_check(browser, floor):
    root = floor["people"]["root"]
    territory = root(
        floor["stubs"].territories.ListTerritories, territories_pb2.ListTerritoriesRequest()
    )
    page = signed_in(browser, floor, "root")
    for path in (
        f"/organisation/teams/{floor['berlin'].id}",
        f"/organisation/lines/{floor['line'].id}?period=2026",
        f"/organisation/territories/{territory.territories[0].id}",
        "/organisation/pipelines",
        f"/organisation/pipelines/{floor['pipeline'].id}",
        "/organisation/catalog",
    ):
        answer = page.goto(f"{floor['url']}{path}")
        assert answer is not None and answer.status == 200, path
        check_accessibility(page)
    page.context.close()


def test_persian_organisation_pages(browser, floor):
    page = signed_in(browser, floor, "sue", language="fa")
    page.goto(f"{floor['url']}/organisation/territories/preview?country=DE")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "به" in page.locator("#route-preview-answer").inner_text()  # "goes to", in Persian
    check_accessibility(page)
    screenshot(page, "organisation-territories-fa")
    page.goto(f"{floor['url']}/organisation")
    check_accessibility(page)
    screenshot(page, "organisation-fa")
    page.goto(f"{floor['url']}/organisation/teams/{floor['berlin'].id}")
    assert "Ann" in page.locator("main").inner_text()  # names, as in English
    check_accessibility(page)
    screenshot(page, "organisation-team-fa")
    page.context.close()


def test_members_by_name_and_rename_and_deactivate_with_territorys_refusals(browser, floor):
    """Berlin's supervisor sees the members by name; an administrator renames a team and
    deactivates it (keyboard only), is refused deactivating a team with members and giving a
    territory a priority another holds, each with territory's own sentence on the page."""
    root, stubs, berlin = floor["people"]["root"], floor["stubs"], floor["berlin"]
    page = signed_in(browser, floor, "sue")
    page.goto(f"{floor['url']}/organisation/teams/{berlin.id}")
    members = page.locator("#members-title").locator("xpath=..").inner_text()
    for who in ("ann", "bob", "sue"):
        assert who.title() in members and floor["people"][who].user_id not in members
    page.context.close()

    refusal = root.error(stubs.teams.DeactivateTeam, teams_pb2.DeactivateTeamRequest(id=berlin.id))
    assert refusal is not None
    page = signed_in(browser, floor, "root")
    page.goto(f"{floor['url']}/organisation/teams/{berlin.id}")
    page.locator("#deactivate-team button").click()
    problem = page.locator("#page-problem")
    problem.wait_for()
    assert problem.inner_text() == refusal.details()  # territory's own sentence
    check_accessibility(page)
    screenshot(page, "organisation-team-en")

    spare = root(
        stubs.teams.CreateTeam,
        teams_pb2.CreateTeamRequest(name=unique("Bremen"), unit_id=berlin.unit_id),
    ).team
    renamed = unique("Hamburg")
    page.goto(f"{floor['url']}/organisation/teams/{spare.id}")
    form = page.locator("#rename-team")
    form.get_by_label("New name").fill(renamed)
    form.get_by_label("New name").press("Enter")  # the keyboard submits the form
    page.get_by_text("Team renamed.").wait_for()
    assert page.get_by_role("heading", name=renamed, exact=True).is_visible()
    page.locator("#deactivate-team button").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Team deactivated.").wait_for()
    got = root(stubs.teams.GetTeam, teams_pb2.GetTeamRequest(id=spare.id)).team
    assert (got.name, got.active) == (renamed, False)

    germany = next(
        t
        for t in root(
            stubs.territories.ListTerritories, territories_pb2.ListTerritoriesRequest()
        ).territories
        if t.sales_line_id == floor["line"].id
    )
    second = root(
        stubs.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=unique("Austria"),
            sales_line_id=floor["line"].id,
            team_id=floor["munich"].id,
            priority=germany.priority + 1,
            rules=[
                territories_pb2.RoutingRule(
                    name="AT",
                    conditions=[territories_pb2.RuleCondition(attribute="country", values=["AT"])],
                )
            ],
        ),
    ).territory
    page.goto(f"{floor['url']}/organisation/territories/{second.id}")
    form = page.locator("#update-territory")
    form.get_by_label("Priority (1 is tried first)").fill(str(germany.priority))
    form.get_by_role("button", name="Save").click()
    shown = page.locator("#update-territory-priority-problem, #page-problem").first
    shown.wait_for()
    assert germany.name in shown.inner_text()  # territory names the territory holding it
    assert form.get_by_label("Priority (1 is tried first)").input_value() == str(germany.priority)
    check_accessibility(page)
    page.locator("#deactivate-territory button").click()
    page.get_by_text("Territory deactivated: it routes no more leads.").wait_for()
    got = root(stubs.territories.GetTerritory, territories_pb2.GetTerritoryRequest(id=second.id))
    assert not got.territory.active
    page.context.close()


def test_a_territory_names_another_pipeline_and_a_member_is_added_by_e_mail(browser, floor):
    """An administrator creates another pipeline on the line's page (the default listed first
    and marked), names it on a territory (the list shows it by name) and clears it again; then
    adds a member to a team by e-mail, after a vague name was answered with whom it matches."""
    root, stubs, line = floor["people"]["root"], floor["stubs"], floor["line"]
    page = signed_in(browser, floor, "root")
    page.goto(f"{floor['url']}/organisation/lines/{line.id}")
    name = unique("Enterprise")
    form = page.locator("#create-pipeline")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create pipeline").click()
    page.get_by_text("Pipeline created: its territories may name it.").wait_for()
    items = page.locator(".line-pipelines li").all_inner_texts()
    assert floor["pipeline"].name in items[0] and "the line's default" in items[0]
    assert any(name in item and "the line's default" not in item for item in items[1:])
    check_accessibility(page)

    germany = next(
        t
        for t in root(
            stubs.territories.ListTerritories, territories_pb2.ListTerritoriesRequest()
        ).territories
        if t.sales_line_id == line.id and t.active
    )
    path = f"{floor['url']}/organisation/territories/{germany.id}"
    page.goto(path)
    form = page.locator("#update-territory")
    form.get_by_label("Pipeline of its deals").select_option(label=name)
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Territory updated.").wait_for()
    named = root(stubs.territories.GetTerritory, territories_pb2.GetTerritoryRequest(id=germany.id))
    assert named.territory.pipeline_id not in ("", floor["pipeline"].id)
    page.goto(f"{floor['url']}/organisation/territories")
    row = page.locator(f'tr[data-territory="{germany.id}"]').inner_text()
    assert name in row
    page.goto(path)
    form = page.locator("#update-territory")
    form.get_by_label("Pipeline of its deals").select_option(value="")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Territory updated.").wait_for()
    cleared = root(
        stubs.territories.GetTerritory, territories_pb2.GetTerritoryRequest(id=germany.id)
    )
    assert cleared.territory.pipeline_id == ""

    _dora, dora_email = person(floor["bed"], stubs, As(floor["bed"].admin_token()), "dora")
    page.goto(f"{floor['url']}/organisation/teams/{floor['munich'].id}")
    form = page.locator("#add-member")
    form.get_by_label("Person (name or e-mail)").fill("o")  # Bob, Dora, Root…
    form.get_by_role("button", name="Add member").click()
    problem = page.locator("#add-member-person-problem")
    problem.wait_for()
    assert "people match 'o'" in problem.inner_text()
    form = page.locator("#add-member")
    form.get_by_label("Person (name or e-mail)").fill(dora_email)
    form.get_by_role("button", name="Add member").click()
    page.get_by_text("Member added.").wait_for()
    assert "Dora" in page.locator("#members-title").locator("xpath=..").inner_text()
    page.context.close()
