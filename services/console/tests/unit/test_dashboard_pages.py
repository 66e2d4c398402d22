"""The dashboards' pages on fakes: reporting's figures shown as reporting sent them, a chart's
data beside its table (no inline script), the scope and period in the link, money per currency,
the empty page of an administrator who is not a member, and a scope the person may not see."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from crm_console.domain.errors import Refused
from crm_console.domain.organisation import OrgUnit
from crm_console.domain.reports import TeamScope
from crm_console.domain.team import Membership, Team

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHART = re.compile(r"data-chart='([^']*)'")


def sign_in(client, identity, email: str, roles: tuple[str, ...] = ()):
    person = identity.add(email, email.split("@")[0].title(), roles)
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"csrf_token": CSRF.search(form.text).group(1), "email": email, "password": PASSWORD},
    )
    return person


def charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(found)) for found in CHART.findall(page)]


@pytest.fixture
def manager(world, figures_of):
    """Mia manages unit "west" (teams team-1 and team-2) and supervises team-1."""
    client, identity, _, _ = world
    person = sign_in(client, identity, "mia@example.com")
    reporting = client.app.state.console.deps.reporting
    reporting.team_scopes[person.user_id] = (
        TeamScope("team-1", "supervisor"),
        TeamScope("team-2", "manager", "west"),
    )
    reporting.figures[("unit", "west")] = figures_of("2026-12")
    reporting.figures[("team", "team-1")] = figures_of("2026-12")
    reporting.figures[("person", person.user_id)] = figures_of("2026-12")
    return client, reporting, person


def test_the_overview_shows_reportings_figures_for_the_widest_scope_and_this_month(manager):
    client, reporting, _ = manager
    page = client.get("/dashboards")
    assert page.status_code == 200
    method, scope, period = reporting.asked[-1]
    assert (method, scope.kind, scope.id) == ("dashboard", "unit", "west")
    assert (period.kind, period.day) == ("month", dt.date(2026, 12, 7))
    text = page.text
    assert 'data-stage="new" data-open="12" data-reached="50"' in text
    assert "€12,000.50" in text and "$8,400.00" in text  # one line per currency, never summed
    assert 'data-team="team-1" data-target="100000" data-actual="82500.25"' in text
    assert "82.5%" in text and "61.1%" in text
    assert '<option value="unit:west" selected>' in text
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in text
    assert "<script>" not in text and "style=" not in text  # the CSP allows neither


def test_each_chart_carries_the_numbers_of_the_table_beside_it_one_currency_each(manager):
    client, _, _ = manager
    found = {c["title"]: c for c in charts(client.get("/dashboards").text)}
    funnel = found["Funnel"]
    assert funnel["labels"] == ["New", "Qualify", "Proposal", "Negotiate"]
    assert funnel["series"][0]["values"] == [12, 9, 5, 3]
    assert found["Forecast (EUR)"]["currency"] == "EUR"
    assert found["Forecast (USD)"]["currency"] == "USD"
    assert found["Targets and actual (EUR)"]["series"][1]["values"] == [82500.25]


def test_scope_and_period_come_from_the_link(manager):
    client, reporting, _ = manager
    page = client.get("/dashboards/funnel?scope=team:team-1&period=quarter&date=2026-05-20")
    assert page.status_code == 200
    method, scope, period = reporting.asked[-1]
    assert (method, scope.kind, scope.id) == ("funnel", "team", "team-1")
    assert (period.kind, period.day) == ("quarter", dt.date(2026, 5, 20))
    # the arrows lead to the quarters before and after, the scope kept
    assert (
        'href="/dashboards/funnel?scope=team%3Ateam-1&amp;period=quarter&amp;date=2026-02-01"'
        in page.text
    )
    assert "date=2026-08-01" in page.text


@pytest.mark.parametrize(
    "group, method",
    [
        ("funnel", "funnel"),
        ("win-rate", "win_rate"),
        ("lost-reasons", "lost_reasons"),
        ("cycle", "sales_cycle"),
        ("velocity", "velocity"),
        ("forecast", "forecast:month"),
        ("targets", "targets"),
        ("campaigns", "campaign_roi"),
        ("leaderboard", "leaderboard"),
    ],
)
def test_every_kpi_group_has_its_page_with_one_call_to_reporting(manager, group, method):
    client, reporting, _ = manager
    reporting.asked.clear()
    page = client.get(f"/dashboards/{group}")
    assert page.status_code == 200
    assert [m for m, _, _ in reporting.asked] == [method]
    assert 'aria-current="page">' in page.text


def test_lost_reasons_campaigns_and_forecast_buckets(manager):
    client, reporting, _ = manager
    lost = client.get("/dashboards/lost-reasons").text
    assert "none given" in lost and "Globex" in lost and "57.1%" in lost
    roi = client.get("/dashboards/campaigns").text
    assert "300%" in roi and "-100%" in roi and "$800.00" in roi
    assert {c["currency"] for c in charts(roi)} == {"EUR", "ILS"}
    client.get("/dashboards/forecast?bucket=quarter")
    assert reporting.asked[-1][0] == "forecast:quarter"


def test_an_administrator_who_is_not_a_member_gets_an_empty_page_that_says_why(world):
    client, identity, _, _ = world
    sign_in(client, identity, "root@example.com", roles=("admin",))
    reporting = client.app.state.console.deps.reporting
    page = client.get("/dashboards")
    assert page.status_code == 200
    assert "You are not a member of any team" in page.text
    assert 'id="dash-empty"' in page.text and "data-chart" not in page.text
    assert reporting.asked == []  # nothing asked of reporting: there is no scope to ask for


def test_a_scope_the_person_may_not_see_is_the_not_found_page(manager):
    client, _, _ = manager
    page = client.get("/dashboards?scope=unit:east")
    assert page.status_code == 404
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    assert "east" not in main and "data-chart" not in main


def test_reportings_refusal_leaves_the_page_empty_with_its_sentence(manager):
    client, _, person = manager
    page = client.get(f"/dashboards/targets?scope=person:{person.user_id}")
    assert page.status_code == 200
    assert "a person has no targets" in page.text and 'id="dash-empty"' in page.text


@pytest.mark.parametrize(
    "query, says",
    [
        ("period=decade", "the period must be one of week, month, quarter, year"),
        ("date=7.12.2026", "enter the date as YYYY-MM-DD"),
        ("scope=galaxy:x", "the scope must be"),
        ("bucket=week", "the forecast groups by month, quarter, year"),
    ],
)
def test_a_link_that_cannot_be_read_says_which_part(manager, query, says):
    client, _, _ = manager
    page = client.get(f"/dashboards?{query}")
    assert page.status_code == 400
    assert says in html.unescape(page.text)


def test_an_unknown_group_is_not_found_and_signing_in_comes_first(world):
    client, identity, _, _ = world
    assert client.get("/dashboards", follow_redirects=False).status_code == 303
    sign_in(client, identity, "ann@example.com")
    assert client.get("/dashboards/horoscope").status_code == 404


def test_persian_dashboard_is_right_to_left_with_persian_digits(manager):
    client, _, _ = manager
    client.cookies.set("crm_lang", "fa", domain="console.test")
    page = client.get("/dashboards").text
    assert '<html lang="fa" dir="rtl">' in page
    assert "۸۲٫۵٪" in page or "۸۲٫۵%" in page
    assert "۱۶ آذر ۱۴۰۵" in page  # the day of the period, Solar Hijri


def test_teams_and_units_are_named_as_territory_names_them(manager):
    client, _, _ = manager
    organisation = client.app.state.console.deps.organisation
    organisation.team_rows["team-1"] = Team("team-1", "Berlin Enterprise", "west")
    organisation.unit_rows["west"] = OrgUnit(
        "west", "Region West", 2, "Region", "sales", "", (), True, 1
    )
    page = client.get("/dashboards").text
    assert "Berlin Enterprise" in page and "Region West" in page
    # a team territory does not name (or a territory that refuses) keeps its id
    assert "team-2" in page


def test_the_dashboard_still_shows_its_figures_when_territory_names_nothing(manager):
    client, reporting, _ = manager
    organisation = client.app.state.console.deps.organisation

    def refuse(token):
        raise Refused("territory is not answering names today")

    organisation.teams = organisation.units = organisation.sales_lines = refuse
    page = client.get("/dashboards")
    assert page.status_code == 200 and "team-1" in page.text
    assert reporting.asked[-1][0] == "dashboard"


@pytest.fixture
def named_floor(manager, world):
    """Ann (user-2) and Bob (user-3) are reps of team-1, which Mia manages; Ola (user-4) is in
    a team of another unit; user-5 and user-0 are unknown to identity."""
    client, reporting, mia = manager
    identity = world[1]
    organisation = client.app.state.console.deps.organisation
    people = {name: identity.add(f"{name.lower()}@example.com", name) for name in ("Ann", "Bob")}
    ola = identity.add("ola@example.com", "Ola")
    organisation.managers["team-1"] = {mia.user_id}
    for n, person in enumerate(people.values()):
        organisation.member_rows[f"m{n}"] = Membership(f"m{n}", "team-1", person.user_id, "expert")
    organisation.member_rows["m9"] = Membership("m9", "team-9", ola.user_id, "expert")
    return client, reporting, organisation, people, ola


def test_a_manager_sees_the_people_of_the_figures_by_name_in_one_call(named_floor):
    client, _, organisation, _people, ola = named_floor
    page = client.get("/dashboards/leaderboard?scope=team:team-1").text
    board = page[page.index('id="leaders-reps"') :]
    assert '<th scope="row">Ann</th>' in board and '<th scope="row">Bob</th>' in board
    # Ola is in no team Mia sees: territory leaves her name out and her id stays
    assert ola.user_id in board and "Ola" not in page
    assert '<th scope="row">user-0</th>' in board  # unknown to territory: the id
    assert 'id="leaders-teams"' in page and '<th scope="row">team-1</th>' in page
    reps = next(c for c in charts(page) if c["title"] == "Reps by deals won")
    assert reps["labels"][:3] == ["user-0", "Mia", "Ann"]
    assert len(organisation.named) == 1  # one call names every person of the page
    assert set(organisation.named[0]) == {f"user-{n}" for n in range(5)}


def test_slow_deals_show_their_owner_by_name_on_the_cycle_page_and_the_overview(named_floor):
    client, _reporting, organisation, _, _ = named_floor
    for path in ("/dashboards/cycle?scope=team:team-1", "/dashboards?scope=team:team-1"):
        page = client.get(path).text
        slow = page[page.index('id="slow-deals"') :]
        assert "<td>Mia</td>" in slow and "<td>user-1</td>" not in slow
    assert organisation.named == [("user-1",), ("user-1",)]


def test_people_keep_their_ids_when_territory_does_not_name_them(named_floor):
    client, _reporting, organisation, _, _ = named_floor
    organisation.names_refusal = Refused("territory refuses today")
    page = client.get("/dashboards/leaderboard?scope=team:team-1")
    assert page.status_code == 200
    assert '<th scope="row">user-2</th>' in page.text and "Ann" not in page.text
