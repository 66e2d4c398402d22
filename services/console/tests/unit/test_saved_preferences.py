"""Each person's choices remembered by identity: the settings page and the header's language form
save them (UpdateOwnPreferences), sign-in takes them into the browser from the one WhoAmI call,
so another browser gets them back; a refusal shows the API's sentence and changes nothing."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from crm_console.domain.errors import Refused, Unavailable
from crm_console.domain.session import Preferences

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def sign_in(client, email: str):
    form = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )


def set_cookies(answer) -> dict[str, str]:
    found = {}
    for header in answer.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        found[name] = rest.split(";", 1)[0].strip('"')
    return found


@pytest.fixture
def ann(world):
    client, identity, _, _ = world
    person = identity.add("ann@example.com", "Ann")
    return client, identity, person


def another_browser(client) -> TestClient:
    return TestClient(client.app, base_url="https://console.test")


def test_settings_are_saved_with_identity_and_follow_the_person_to_another_browser(ann):
    client, identity, person = ann
    sign_in(client, person.email)
    token = csrf(client.get("/settings").text)
    answer = client.post(
        "/settings",
        data={"csrf_token": token, "time_zone": "Asia/Tehran", "lang": "fa"},
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/settings?notice=saved")
    assert identity.preferences[person.user_id] == Preferences("fa", "Asia/Tehran")

    with another_browser(client) as fresh:
        assert '<html lang="en" dir="ltr">' in fresh.get("/sign-in").text
        signed_in = sign_in(fresh, person.email)
        cookies = set_cookies(signed_in)
        assert cookies["crm_lang"] == "fa"
        assert cookies["crm_tz"] == f"{person.user_id}|Asia/Tehran"
        page = fresh.get("/settings").text
        assert '<html lang="fa" dir="rtl">' in page
        assert 'value="Asia/Tehran"' in page


def test_the_header_language_form_saves_the_language_only(ann):
    client, identity, person = ann
    identity.preferences[person.user_id] = Preferences("", "Europe/Berlin")
    sign_in(client, person.email)
    answer = client.post(
        "/language",
        data={"csrf_token": csrf(client.get("/").text), "lang": "he", "next": "/settings"},
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/settings")
    assert set_cookies(answer)["crm_lang"] == "he"
    assert identity.preferences[person.user_id] == Preferences("he", "Europe/Berlin")


def test_signed_out_the_language_is_this_browsers_only(ann):
    client, identity, _ = ann
    answer = client.post(
        "/language",
        data={"csrf_token": csrf(client.get("/sign-in").text), "lang": "fa", "next": "/sign-in"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and set_cookies(answer)["crm_lang"] == "fa"
    assert identity.preferences == {}


def test_a_person_who_chose_nothing_keeps_the_browsers_language(ann):
    client, _, person = ann
    client.cookies.set("crm_lang", "he")
    cookies = set_cookies(sign_in(client, person.email))
    assert "crm_lang" not in cookies and "crm_tz" not in cookies
    assert '<html lang="he" dir="rtl">' in client.get("/").text


@pytest.mark.parametrize(
    "refusal, status, shown",
    [
        (
            Refused("time_zone: 'Asia/Tehran' is not known here", field="time_zone"),
            400,
            "time_zone: &#39;Asia/Tehran&#39; is not known here",
        ),
        (Unavailable("identity did not answer"), 503, "identity did not answer"),
    ],
)
def test_a_refused_save_shows_the_api_message_and_nothing_changes(ann, refusal, status, shown):
    client, identity, person = ann
    sign_in(client, person.email)
    identity.preferences_refusal = refusal
    token = csrf(client.get("/settings").text)
    answer = client.post(
        "/settings", data={"csrf_token": token, "time_zone": "Asia/Tehran", "lang": "fa"}
    )
    assert answer.status_code == status
    assert shown in answer.text and 'role="alert"' in answer.text
    assert not {"crm_lang", "crm_tz"} & set(set_cookies(answer))
    header = client.post(
        "/language",
        data={"csrf_token": token, "lang": "fa", "next": "/"},
        follow_redirects=False,
    )
    assert header.status_code == status and shown in header.text
    assert "crm_lang" not in set_cookies(header)
    assert identity.preferences == {}


def test_an_unknown_zone_is_refused_by_the_console_before_identity(ann):
    client, identity, person = ann
    sign_in(client, person.email)
    token = csrf(client.get("/settings").text)
    answer = client.post(
        "/settings", data={"csrf_token": token, "time_zone": "Mars/Olympus", "lang": "fa"}
    )
    assert answer.status_code == 400
    assert "is not a time zone: choose one from the list" in answer.text
    assert identity.preferences == {}
