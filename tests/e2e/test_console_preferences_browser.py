"""Each person's choices remembered, in headless Chromium over identity's real processes: a person
signs in, picks Persian and a time zone on the settings page, signs out; in a new browser
context (no cookie of the first) the sign-in page is English, and signing in again brings back
Persian, right to left, Solar Hijri dates and the zone. The console's other services are not in
the bed (nothing on the settings page asks them)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import jdatetime
import pytest
from console_sales_floor import console
from e2e_platform import PASSWORD, As, unique

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_devrun.bed import PlatformBed
from crm_testkit import free_port
from crm_testkit.browser import check_accessibility

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ZONE = "Asia/Tehran"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bed")
    # Services the settings page never calls, on ports nobody listens on.
    away = {
        f"CRM_CONSOLE_{name}_ADDRESS": f"127.0.0.1:{free_port()}"
        for name in ("LEADS", "DEALS", "CATALOG", "TERRITORY", "REPORTING")
    }
    with PlatformBed(["identity"], workdir, env=away) as bed:
        admin = As(bed.admin_token())
        users = users_pb2_grpc.UserServiceStub(bed.channel("identity"))
        email = f"{unique('parisa')}@example.com"
        user = admin(
            users.CreateUser,
            users_pb2.CreateUserRequest(
                email=email, display_name="Parisa", password=PASSWORD, departments=["sales"]
            ),
        )
        with console(bed, workdir) as url:
            yield dict(bed=bed, url=url, email=email, user=user)


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in?next=/settings")
    page.locator("#email").fill(email)  # by id: the labels follow the page's language
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url("**/settings")


def test_persian_and_a_zone_follow_the_person_to_a_new_browser(browser, floor):
    url = floor["url"]
    first = browser.new_context(locale="en-US", viewport=VIEWPORT)
    page = first.new_page()
    sign_in(page, url, floor["email"])
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.locator("#settings-lang").select_option("fa")
    page.locator("#settings-zone").fill(ZONE)
    page.locator(".settings-form button[type=submit]").click()
    page.locator("html[dir=rtl]").wait_for()
    page.locator(".notice").wait_for()
    page.locator("form.sign-out button").click()
    page.wait_for_url("**/sign-in")
    first.close()

    # identity keeps them: the person's own answer names them
    me = auth_pb2_grpc.AuthServiceStub(floor["bed"].channel("identity")).WhoAmI(
        auth_pb2.WhoAmIRequest(),
        metadata=(("authorization", f"Bearer {floor['bed'].login(floor['email'], PASSWORD)}"),),
        timeout=15,
    )
    assert (me.preferences.language, me.preferences.time_zone) == ("fa", ZONE)

    second = browser.new_context(locale="en-US", viewport=VIEWPORT)  # no cookie of the first
    try:
        page = second.new_page()
        page.goto(f"{url}/sign-in")
        assert page.locator("html").get_attribute("lang") == "en"
        assert not [c for c in second.cookies() if c["name"] in ("crm_lang", "crm_tz")]
        sign_in(page, url, floor["email"])
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fa", "rtl")
        assert page.locator("#settings-zone").input_value() == ZONE
        assert page.locator("#settings-lang").input_value() == "fa"
        # "now" on the person's clock, in the Solar Hijri calendar with Persian digits
        today = dt.datetime.now(zoneinfo.ZoneInfo(ZONE)).date()
        year = str(jdatetime.date.fromgregorian(date=today).year).translate(PERSIAN_DIGITS)
        assert year in page.locator("section.card").inner_text()
        assert str(today.year) not in page.locator("section.card").inner_text()
        check_accessibility(page)
    finally:
        second.close()
