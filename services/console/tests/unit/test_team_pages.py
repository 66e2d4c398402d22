"""The Team pages on fakes: a supervisor's team with members' workload and absences, the
unassigned queue with who is free and the assign action, reassigning within the team,
transferring a deal with a reason, moving a member and the hand-over polled until done, and the
refusals: a rep sees the area as not allowed (and no navigation entry), a sibling unit's manager
gets the not-found page, a refused change shows the service's own message."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import sys
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from crm_console.domain.errors import Unavailable
from crm_console.domain.team import Absence, QueuedLead
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app

# The fakes' module is found through this directory (its name is unique across services).
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from console_team_fakes import FakeTeams

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAV_TEAM = '<li><a href="/team"'


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def floor(world, make_lead):
    """Team Berlin (supervisor Sue, reps Ann and Bob, Bob on leave) is the queue team and holds
    one queued lead; Sue also manages Munich's unit (rep Max); Mia, a manager of a sibling
    unit, runs only team Vienna."""
    client, identity, _, clock = world
    now = clock.now()
    teams = FakeTeams(identity, make_lead, now)
    deps = replace(client.app.state.console.deps, teams=teams)
    app = build_app(ConsoleSettings.load("console", {"CRM_ENV": "test"}), deps)
    people = {
        name: identity.add(f"{name.lower()}@example.com", name).user_id
        for name in ("Sue", "Ann", "Bob", "Max", "Mia")
    }
    for team_id in ("berlin", "munich", "vienna"):
        teams.add_team(team_id, team_id.title())
    teams.join("berlin", people["Sue"], "supervisor", takes_leads=False)
    teams.join("berlin", people["Ann"])
    teams.join("berlin", people["Bob"])
    teams.join("munich", people["Max"])
    teams.join("vienna", people["Mia"], "manager")
    teams.unit_managers["munich"] = {people["Sue"]}
    teams.away[people["Bob"]] = [
        Absence("a0", people["Bob"], now - dt.timedelta(days=1), now + dt.timedelta(days=3))
    ]
    teams.give_lead("l-ann-1", people["Ann"], "berlin")
    teams.give_lead("l-ann-2", people["Ann"], "berlin")
    teams.give_deal("d-ann-1", people["Ann"], "berlin")
    teams.queue_team = "berlin"
    teams.queue.append(
        QueuedLead("q1", "berlin", "DE", "BE", "line-1", "no_rule_matched", "no rule", now)
    )
    with TestClient(app, base_url="https://console.test") as team_client:
        yield team_client, teams, people


def sign_in(client: TestClient, name: str) -> None:
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf(form.text),
            "email": f"{name.lower()}@example.com",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_the_area_lists_the_teams_a_person_runs_and_opens_the_only_one_directly(floor):
    client, _, _ = floor
    sign_in(client, "Sue")
    overview = client.get("/team")
    assert overview.status_code == 200 and NAV_TEAM in overview.text
    assert 'href="/team/berlin"' in overview.text and 'href="/team/munich"' in overview.text
    assert 'href="/team/vienna"' not in overview.text
    client.post("/sign-out", data={"csrf_token": csrf(overview.text)})
    sign_in(client, "Mia")
    only = client.get("/team", follow_redirects=False)
    assert only.status_code == 303 and only.headers["location"] == "/team/vienna"


def test_the_team_page_shows_workload_and_offers_who_is_free_first(floor):
    client, _, _ = floor
    sign_in(client, "Sue")
    page = main(client.get("/team/berlin").text)
    ann_row = page[page.index(">Ann</a>") : page.index("</tr>", page.index(">Ann</a>"))]
    assert "<td>2</td>" in ann_row and "<td>1</td>" in ann_row  # two open leads, one deal
    assert "On leave until" in page  # Bob
    queue = page[page.index('id="queue"') :]
    assert 'action="/team/berlin/queue/q1/assign"' in queue
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', queue)
    names = [label.split(" — ")[0] for _, label in options]
    # Ann (3 items) is the only one available; Bob is on leave, Sue takes no leads
    assert names[0] == "Ann" and set(names[1:]) == {"Bob", "Sue"}
    assert "(on_leave)" not in queue  # the reason is shown in words
    assert "Ann — 3 open items" in queue


def test_assigning_from_the_queue_gives_the_lead_to_the_chosen_member(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    token = csrf(client.get("/team/berlin").text)
    answer = client.post(
        "/team/berlin/queue/q1/assign",
        data={"csrf_token": token, "owner_user_id": people["Ann"]},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and "notice=assigned" in answer.headers["location"]
    assert teams.leads["q1"].owner_user_id == people["Ann"] and not teams.queue
    assert "Lead assigned." in client.get(answer.headers["location"]).text


def test_a_refused_assignment_shows_the_services_message_and_changes_nothing(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    token = csrf(client.get("/team/berlin").text)
    answer = client.post(
        "/team/berlin/queue/q1/assign",
        data={"csrf_token": token, "owner_user_id": people["Max"]},  # Max is in Munich
    )
    assert answer.status_code == 409
    assert f"owner {people['Max']} is not a member of team Berlin" in answer.text
    assert 'role="alert"' in answer.text and teams.queue


def test_without_the_forms_token_nothing_is_assigned(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    answer = client.post("/team/berlin/queue/q1/assign", data={"owner_user_id": people["Ann"]})
    assert answer.status_code == 403 and teams.queue


def test_a_supervisor_reassigns_a_lead_and_a_deal_within_the_team(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    page = client.get(f"/team/berlin/members/{people['Ann']}")
    assert page.status_code == 200
    assert "Vogel l-ann-1" in page.text and "Deal d-ann-1" in page.text
    token = csrf(page.text)
    base = f"/team/berlin/members/{people['Ann']}"
    lead_answer = client.post(
        f"{base}/leads/l-ann-1/reassign",
        data={"csrf_token": token, "owner_user_id": people["Bob"]},
        follow_redirects=False,
    )
    deal_answer = client.post(
        f"{base}/deals/d-ann-1/reassign",
        data={"csrf_token": token, "owner_user_id": people["Bob"], "reason": " Ann is away "},
        follow_redirects=False,
    )
    assert lead_answer.status_code == deal_answer.status_code == 303
    assert "ReassignDeal:Ann is away" in teams.calls
    assert teams.leads["l-ann-1"].owner_user_id == people["Bob"]
    assert teams.deals["d-ann-1"].owner_user_id == people["Bob"]
    empty = client.get(deal_answer.headers["location"]).text
    assert "Deal reassigned." in empty and "No open deal." in empty


def test_a_deal_goes_to_another_team_only_with_a_reason_and_by_a_manager(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    base = f"/team/berlin/members/{people['Ann']}"
    token = csrf(client.get(base).text)
    no_reason = client.post(
        f"{base}/deals/d-ann-1/transfer",
        data={"csrf_token": token, "to_team_id": "munich", "reason": " "},
    )
    assert (
        no_reason.status_code == 409 and "say why the deal goes to another team" in no_reason.text
    )
    refused = client.post(
        f"{base}/deals/d-ann-1/transfer",
        data={"csrf_token": token, "to_team_id": "munich", "reason": "Munich covers Bavaria"},
    )
    # Sue supervises Berlin: deals refuses, and the page says what deals said
    assert refused.status_code == 409
    assert "transferring a deal needs the manager role in team Berlin" in refused.text
    assert teams.deals["d-ann-1"].team_id == "berlin"
    teams.unit_managers["berlin"] = {people["Sue"]}
    done = client.post(
        f"{base}/deals/d-ann-1/transfer",
        data={"csrf_token": token, "to_team_id": "munich", "reason": "Munich covers Bavaria"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and teams.deals["d-ann-1"].team_id == "munich"
    assert "TransferDeal:Munich covers Bavaria" in teams.calls


def test_moving_a_member_shows_the_hand_over_until_every_item_has_a_new_owner(floor):
    client, teams, people = floor
    teams.unit_managers["berlin"] = {people["Sue"]}  # moving needs a manager
    sign_in(client, "Sue")
    base = f"/team/berlin/members/{people['Ann']}"
    moved = client.post(
        f"{base}/move",
        data={"csrf_token": csrf(client.get(base).text), "to_team_id": "munich"},
        follow_redirects=False,
    )
    location = moved.headers["location"]
    assert moved.status_code == 303 and location.startswith(
        f"/team/berlin/handover/{people['Ann']}"
    )
    waiting = client.get(location).text
    assert 'class="count-leads">2<' in waiting and 'class="count-deals">1<' in waiting
    assert 'hx-trigger="every 2s"' in waiting  # polls while items wait
    teams.hand_over(people["Ann"], "berlin", people["Bob"])
    state = client.get(f"/team/berlin/handover/{people['Ann']}/state?to=munich").text
    assert "handover-done" in state and "hx-get" not in state
    assert any(m.user_id == people["Ann"] for m in teams.memberships("", "munich"))


def test_an_absence_is_recorded_for_whole_days_and_cancelled(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    base = f"/team/berlin/members/{people['Ann']}"
    token = csrf(client.get(base).text)
    backwards = client.post(
        f"{base}/absences",
        data={"csrf_token": token, "first_day": "2026-12-10", "last_day": "2026-12-09"},
    )
    assert backwards.status_code == 409 and "before its first day" in backwards.text
    recorded = client.post(
        f"{base}/absences",
        data={
            "csrf_token": token,
            "first_day": "2026-12-07",
            "last_day": "2026-12-08",
            "reason": "training",
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    (absence,) = teams.away[people["Ann"]]
    assert absence.starts_at == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert absence.ends_at == dt.datetime(2026, 12, 9, tzinfo=dt.UTC)  # the end of the last day
    assert "On leave until" in client.get(base).text
    cancelled = client.post(
        f"{base}/absences/{absence.id}/cancel", data={"csrf_token": token}, follow_redirects=False
    )
    assert cancelled.status_code == 303 and teams.away[people["Ann"]][0].cancelled
    assert "On leave until" not in client.get(base).text


def test_an_absence_counts_whole_days_in_the_persons_own_time_zone(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    settings = client.get("/settings").text
    chosen = client.post(
        "/settings",
        data={"csrf_token": csrf(settings), "time_zone": "Pacific/Honolulu", "lang": "en"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    base = f"/team/berlin/members/{people['Ann']}"
    page = client.get(base).text
    # 09:00 UTC on 7 December is still the 6th in Honolulu: the form offers Sue's own today
    assert 'name="first_day" type="date" value="2026-12-06"' in page
    recorded = client.post(
        f"{base}/absences",
        data={"csrf_token": csrf(page), "first_day": "2026-12-07", "last_day": "2026-12-08"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    (absence,) = teams.away[people["Ann"]]
    honolulu = dt.timezone(dt.timedelta(hours=-10))
    assert absence.starts_at == dt.datetime(2026, 12, 7, tzinfo=honolulu)
    assert absence.ends_at == dt.datetime(2026, 12, 9, tzinfo=honolulu)


def test_a_rep_sees_the_area_as_not_allowed_and_no_navigation_entry(floor):
    client, _, _ = floor
    sign_in(client, "Ann")
    home = client.get("/")
    assert NAV_TEAM not in home.text
    for path in ("/team", "/team/berlin"):
        page = client.get(path)
        assert page.status_code == 403 and "not open to you" in page.text
        assert "Vogel" not in page.text


def test_a_sibling_units_manager_sees_none_of_the_team(floor):
    client, _, people = floor
    sign_in(client, "Mia")
    for path in (
        "/team/berlin",
        f"/team/berlin/members/{people['Ann']}",
        f"/team/berlin/handover/{people['Ann']}",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "Ann" not in main(page.text) and "Vogel" not in page.text


def test_the_team_page_in_persian_is_right_to_left_with_persian_digits(floor):
    client, _, _ = floor
    sign_in(client, "Sue")
    client.cookies.set("crm_lang", "fa")
    page = client.get("/team/berlin").text
    assert 'dir="rtl"' in page and "۲" in main(page) and "صف واگذارنشده‌ها" in page
    assert "۱۴۰۵" in main(page)  # the queued lead waits since a Solar Hijri day


def test_whether_to_offer_the_area_is_asked_of_territory_once_for_many_pages(floor):
    client, teams, _ = floor
    sign_in(client, "Sue")
    teams.calls.clear()
    for _ in range(3):
        assert NAV_TEAM in client.get("/").text
    assert teams.calls.count("ListScopes") == 1


def test_members_are_named_by_territory_in_one_call_per_page(floor):
    client, teams, people = floor
    sign_in(client, "Sue")
    teams.calls.clear()
    page = main(client.get("/team/berlin").text)
    assert teams.calls.count("ListPeopleNames") == 1  # not one per member
    assert ">Ann</a>" in page and people["Ann"] not in re.sub(r'(href|value)="[^"]*"', "", page)
    teams.calls.clear()
    member = main(client.get(f"/team/berlin/members/{people['Ann']}").text)
    assert teams.calls.count("ListPeopleNames") == 1 and "<h1>Ann " in member


def test_a_member_territory_does_not_name_is_shown_by_id(floor, monkeypatch):
    client, teams, people = floor
    sign_in(client, "Sue")

    def refuse(token, user_ids):
        raise Unavailable("territory did not answer")

    monkeypatch.setattr(teams, "names", refuse)
    page = client.get("/team/berlin")
    assert page.status_code == 200  # the page stays; the names fall back to the ids
    assert f">{people['Ann']}</a>" in main(page.text)
