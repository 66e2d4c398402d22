"""Each person's own time zone: chosen on the settings page (an unknown name refused with a
message), remembered for that person only, used for my day's today/overdue (deals counts the day
in it) and for the day and clock of every moment shown; Persian stays Solar Hijri."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm_console.domain.deals import Activity, DueTask
from crm_console.entrypoints.i18n import Language

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def sign_in(client, email: str) -> None:
    form = client.get("/sign-in")
    client.post(
        "/sign-in", data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD}
    )


def choose(client, zone: str, lang: str = "en"):
    token = csrf(client.get("/settings").text)
    return client.post(
        "/settings",
        data={"csrf_token": token, "time_zone": zone, "lang": lang},
        follow_redirects=False,
    )


@pytest.fixture
def ann(world):
    client, identity, _, _ = world
    person = identity.add("ann@example.com", "Ann")
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {person.user_id}
    task = Activity(
        id="t1",
        kind="task",
        subject="Call back Vogel",
        body="",
        logged_by=person.user_id,
        owner_user_id=person.user_id,
        occurred_at=None,
        due_at=dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC),
    )
    deals.tasks = [DueTask(task=task, bucket="today", record_type="opportunity", record_id="d1")]
    sign_in(client, person.email)
    return client, identity, deals


def test_a_moment_is_shown_on_the_persons_clock_and_calendar():
    late = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)
    assert Language("en").datetime(late) == "Dec 7, 2026 21:00"
    assert Language("en", "Asia/Tehran").datetime(late) == "Dec 8, 2026 00:30"
    assert Language("en", "America/New_York").date(late) == "Dec 7, 2026"
    assert Language("fa", "Asia/Tehran").date(late) == "۱۷ آذر ۱۴۰۵"  # Solar Hijri, next day
    assert Language("he", "Asia/Jerusalem").datetime(late) == "7 בדצמ׳ 2026 23:00"
    assert Language("en", "Asia/Tehran").today(late) == dt.date(2026, 12, 8)
    assert Language("en").date("2026-12-05") == "Dec 5, 2026"  # deals' ISO days


def test_a_chosen_zone_counts_my_day_and_shows_its_times(ann):
    client, _, deals = ann
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'name="time_zone" list="settings-zones" value="UTC"' in page.text
    assert '<option value="Asia/Tehran">' in page.text
    assert "Dec 7, 2026 21:00" in client.get("/").text
    answer = choose(client, "Asia/Tehran")
    assert (answer.status_code, answer.headers["location"]) == (303, "/settings?notice=saved")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("crm_tz=") and "HttpOnly" in cookie and "Max-Age=31536000" in cookie
    assert "Settings saved." in client.get("/settings?notice=saved").text
    deals.time_zones.clear()
    day = client.get("/").text
    assert deals.time_zones == ["Asia/Tehran"]  # deals counts today and overdue in it
    assert "Dec 8, 2026 00:30" in day


def test_an_unknown_zone_is_refused_with_a_message_and_nothing_changes(ann):
    client, _, deals = ann
    for wrong in ("Mars/Olympus", "", "../../etc/passwd"):
        refused = choose(client, wrong)
        assert refused.status_code == 400
        assert "is not a time zone: choose one from the list (e.g. Asia/Tehran)" in refused.text
        assert "set-cookie" not in {k.lower() for k in refused.headers}
    deals.time_zones.clear()
    client.get("/")
    assert deals.time_zones == ["UTC"]


def test_the_choice_is_the_persons_not_the_browsers(ann):
    client, identity, deals = ann
    choose(client, "Asia/Tehran")
    token = csrf(client.get("/").text)
    client.post("/sign-out", data={"csrf_token": token})
    bob = identity.add("bob@example.com", "Bob")
    deals.teams["team-1"].add(bob.user_id)
    sign_in(client, bob.email)
    deals.time_zones.clear()
    client.get("/")
    assert deals.time_zones == ["UTC"]  # Ann's choice is not Bob's
    assert 'value="UTC"' in client.get("/settings").text


def test_the_settings_page_also_changes_the_language(ann):
    client, _, _ = ann
    choose(client, "Asia/Tehran", lang="fa")
    page = client.get("/settings").text
    assert '<html lang="fa" dir="rtl">' in page
    assert 'value="Asia/Tehran"' in page
