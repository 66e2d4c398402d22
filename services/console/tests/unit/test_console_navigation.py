"""The navigation bar once the Team and Organisation areas live side by side: every entry once
and in its order, a unit manager reaches both areas, an administrator in no team sees
Organisation but not Team, and a rep sees neither the Team entry nor its pages."""

from __future__ import annotations

import pathlib
import re
import sys
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app

# The fakes' module is found through this directory (its name is unique across services).
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from console_team_fakes import FakeTeams

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAV_LINK = re.compile(r'<li><a href="([^"]+)"')


def nav_paths(page: str) -> list[str]:
    """The paths the main navigation links to, in the order shown."""
    nav = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    return NAV_LINK.findall(nav)


def sign_in(client: TestClient, email: str) -> None:
    form = client.get("/sign-in")
    token = CSRF.search(form.text)
    assert token, "the sign-in page has no form token"
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303


@pytest.fixture
def office(world, make_lead):
    """Team Berlin with rep Ann; Uma manages Berlin's unit without being a member; Root is an
    administrator in no team."""
    client, identity, _, clock = world
    teams = FakeTeams(identity, make_lead, clock.now())
    deps = replace(client.app.state.console.deps, teams=teams)
    app = build_app(ConsoleSettings.load("console", {"CRM_ENV": "test"}), deps)
    ann = identity.add("ann@example.com", "Ann").user_id
    uma = identity.add("uma@example.com", "Uma").user_id
    identity.add("root@example.com", "Root", roles=("admin",))
    teams.add_team("berlin", "Berlin")
    teams.join("berlin", ann)
    teams.unit_managers["berlin"] = {uma}
    with TestClient(app, base_url="https://console.test") as office_client:
        yield office_client


def test_every_navigation_entry_is_declared_once_and_in_order(office):
    nav = office.app.state.console.nav
    paths = [path for _, _, path in nav]
    assert len(paths) == len(set(paths)), paths
    assert paths.index("/team") < paths.index("/organisation")
    assert [label for _, label, _ in nav].count("Organisation") == 1


def test_a_unit_manager_reaches_both_the_team_and_the_organisation_areas(office):
    sign_in(office, "uma@example.com")
    paths = nav_paths(office.get("/").text)
    assert paths.count("/team") == 1 and paths.count("/organisation") == 1
    assert len(paths) == len(set(paths)), paths
    team = office.get("/team")  # the only team she runs opens directly
    assert team.status_code == 200 and "Berlin" in team.text
    assert nav_paths(team.text).count("/organisation") == 1
    organisation = office.get("/organisation")
    assert organisation.status_code == 200
    assert nav_paths(organisation.text).count("/team") == 1


def test_an_administrator_in_no_team_sees_organisation_but_not_team(office):
    sign_in(office, "root@example.com")
    paths = nav_paths(office.get("/").text)
    assert "/organisation" in paths and "/team" not in paths
    assert office.get("/organisation").status_code == 200
    assert office.get("/team").status_code == 403


def test_a_rep_sees_no_team_entry_and_the_area_is_not_allowed(office):
    sign_in(office, "ann@example.com")
    paths = nav_paths(office.get("/").text)
    assert "/team" not in paths and paths.count("/organisation") == 1
    assert office.get("/team").status_code == 403
