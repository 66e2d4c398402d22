"""Signing in and out through the web pages, on fakes of identity and leads."""

from __future__ import annotations

import datetime as dt
import re

PASSWORD = "correct horse battery staple"  # the fake identity's password of everyone

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def sign_in(client, email, password=PASSWORD, next_path="/"):
    form = client.get(f"/sign-in?next={next_path}")
    return client.post(
        "/sign-in",
        data={
            "csrf_token": csrf(form.text),
            "email": email,
            "password": password,
            "next": next_path,
        },
        follow_redirects=False,
    )


def test_a_page_sends_a_stranger_to_sign_in_and_back(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    first = client.get("/leads?grade=a", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=%2Fleads%3Fgrade%3Da"
    answer = sign_in(client, "ann@example.com", next_path="/leads?grade=a")
    assert answer.status_code == 303 and answer.headers["location"] == "/leads?grade=a"
    page = client.get("/leads?grade=a")
    assert page.status_code == 200 and "Ann" in page.text


def test_wrong_password_and_locked_account_have_their_own_messages(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    identity.add("bob@example.com", "Bob")
    identity.locked.add("bob@example.com")
    wrong = sign_in(client, "ann@example.com", "not the password")
    assert wrong.status_code == 401
    assert "The e-mail address or the password is wrong." in wrong.text
    assert "crm_session" not in wrong.headers.get("set-cookie", "")
    locked = sign_in(client, "bob@example.com")
    assert locked.status_code == 429
    assert "locked for 60 seconds" in locked.text


def test_session_cookie_is_http_only_secure_same_site_and_unreadable(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    answer = sign_in(client, "ann@example.com")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("crm_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert "access-1" not in cookie and "refresh-1" not in cookie  # encrypted, not merely signed


def test_a_changed_session_cookie_is_no_session(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    sign_in(client, "ann@example.com")
    sealed = client.cookies.get("crm_session")
    client.cookies.set("crm_session", sealed[:-4] + "AAAA", domain="console.test")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_expiring_access_token_is_renewed_through_the_refresh_token(world):
    client, identity, leads, clock = world
    ann = identity.add("ann@example.com", "Ann")
    leads.teams["team-1"] = {ann.user_id}
    sign_in(client, "ann@example.com")
    clock.advance(dt.timedelta(seconds=890))  # 10 s before the access token's end
    page = client.get("/")
    assert page.status_code == 200 and identity.refreshed == 1
    assert leads.searches[-1] and "access-2" in identity.owners
    renewed = next(c for c in page.headers.get_list("set-cookie") if c.startswith("crm_session="))
    assert renewed


def test_a_refused_refresh_signs_out(world):
    client, identity, _, clock = world
    identity.add("ann@example.com", "Ann")
    sign_in(client, "ann@example.com")
    identity.revoked.add("refresh-1")
    clock.advance(dt.timedelta(seconds=900))
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/sign-in")


def test_sign_out_revokes_the_refresh_token_and_drops_the_cookie(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    sign_in(client, "ann@example.com")
    page = client.get("/")
    answer = client.post("/sign-out", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert answer.status_code == 303 and "refresh-1" in identity.revoked
    assert client.get("/", follow_redirects=False).status_code == 303


def test_every_change_needs_the_form_token(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    client.get("/sign-in")
    refused = client.post(
        "/sign-in", data={"email": "ann@example.com", "password": PASSWORD}, follow_redirects=False
    )
    assert refused.status_code == 403 and "crm_session" not in refused.headers.get("set-cookie", "")
    sign_in(client, "ann@example.com")
    refused = client.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_pages_carry_a_policy_without_inline_script(world):
    client, _, _, _ = world
    page = client.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text and "style=" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff"


def test_sign_in_never_redirects_to_another_site(world):
    client, identity, _, _ = world
    identity.add("ann@example.com", "Ann")
    answer = sign_in(client, "ann@example.com", next_path="//evil.example/")
    assert answer.headers["location"] == "/"
