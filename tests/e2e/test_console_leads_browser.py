"""The console's lead pages in a real browser (headless Chromium), over the real processes of
identity, territory, leads and deals: a rep signs in (a wrong password is said so), works,
qualifies and converts their routed lead and watches the saga until deals confirms; an
administrator who is not a member gets the not-found page for it; a Persian reader gets a
right-to-left page with Solar Hijri dates and picks a day in the Solar Hijri date picker by
keyboard (the search receives its ISO day), a Hebrew reader one with Gregorian dates. Each page passes the accessibility check; the
screenshots in docs/console/ come from here."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from console_sales_floor import console
from e2e_platform import (
    PASSWORD,
    As,
    Stubs,
    create_pipeline,
    german_line,
    small_company,
    visible_lead,
    web_form_lead,
)
from google.protobuf import field_mask_pb2

from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm_devrun.bed import ADMIN_EMAIL, ADMIN_PASSWORD, PlatformBed
from crm_testkit.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]
SAGA_TIMINGS = {
    "CRM_LEADS_CONVERSION_DISPATCH_SECONDS": "0.5",
    "CRM_LEADS_CONVERSION_REPLY_TIMEOUT_SECONDS": "5",
}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bed")
    services = ["identity", "territory", "leads", "deals"]
    with PlatformBed(services, workdir, env=SAGA_TIMINGS) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        created = admin(stubs.leads.CreateLead, web_form_lead(line.id))
        people = company["people"]
        lead = bed.wait_for(
            lambda: visible_lead(stubs, people["sue"], created.lead.id), 60, "lead not routed"
        )
        owner = next(n for n, p in people.items() if p.user_id == lead.assignment.owner_user_id)
        email = admin(stubs.users.GetUser, users_pb2.GetUserRequest(id=people[owner].user_id)).email
        with console(bed, workdir) as url:
            yield dict(bed=bed, url=url, lead=lead, owner_email=email)


def saved_language(floor, code: str) -> None:
    """The owner's language as saved with identity (sign-in brings it back whatever the browser's
    cookie says): the Persian test saves Persian through the header's form."""
    owner = As(floor["bed"].login(floor["owner_email"], PASSWORD))
    owner(
        users_pb2_grpc.UserServiceStub(floor["bed"].channel("identity")).UpdateOwnPreferences,
        users_pb2.UpdateOwnPreferencesRequest(
            preferences=users_pb2.Preferences(language=code),
            update_mask=field_mask_pb2.FieldMask(paths=["language"]),
        ),
    )


def sign_in(page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_rep_signs_in_after_a_wrong_password(floor, page):
    url, lead = floor["url"], floor["lead"]
    sign_in(page, url, floor["owner_email"], "not the password at all")
    assert page.get_by_role("alert").inner_text() == "The e-mail address or the password is wrong."
    check_accessibility(page)
    screenshot(page, "sign-in-en")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My day").wait_for()
    assert page.get_by_role("link", name=lead.data.person.first_name, exact=False).count()
    assert lead.data.company.name in page.content()
    check_accessibility(page)
    screenshot(page, "my-day-en")


def test_a_rep_works_qualifies_and_converts_a_lead_until_deals_confirms(floor, page):
    url, lead = floor["url"], floor["lead"]
    sign_in(page, url, floor["owner_email"])
    page.goto(f"{url}/leads/{lead.id}")
    page.get_by_role("button", name="Start working").click()
    page.locator(".status-working").wait_for()
    page.get_by_role("button", name="Qualify", exact=True).click()
    page.locator(".status-qualified").wait_for()
    check_accessibility(page)
    page.get_by_label("Deal name").fill("Vogel rollout")
    page.get_by_role("button", name="Convert", exact=True).click()
    # The saga's state shows at once and is polled by htmx until deals has answered.
    page.locator("#conversion strong").wait_for()
    page.locator(".conversion-converted").wait_for(timeout=90_000)
    assert (
        page.get_by_role("link", name="Deal", exact=False).count() or "converted" in page.content()
    )
    screenshot(page, "lead-en")


def test_an_administrator_who_is_not_a_member_sees_no_lead(floor, page):
    url, lead = floor["url"], floor["lead"]
    sign_in(page, url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("heading", name="My day").wait_for()
    answer = page.goto(f"{url}/leads/{lead.id}")
    assert answer.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert lead.data.company.name not in page.content()
    page.goto(f"{url}/leads")
    assert lead.data.company.name not in page.content()


def test_a_persian_reader_gets_a_right_to_left_page_with_jalali_dates(floor, page):
    url, lead = floor["url"], floor["lead"]
    sign_in(page, url, floor["owner_email"])
    page.get_by_role("heading", name="My day").wait_for()
    page.get_by_label("Language").select_option("fa")  # the page's script submits the choice
    page.locator("html[dir=rtl]").wait_for()
    screenshot(page, "my-day-fa")
    page.goto(f"{url}/leads/{lead.id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    created = lead.created_at.ToDatetime(tzinfo=dt.UTC).date()
    jalali = jdatetime.date.fromgregorian(date=created)
    assert f"{jalali.day}".translate(PERSIAN_DIGITS) in page.content()
    assert f"{jalali.year}".translate(PERSIAN_DIGITS) in page.content()
    assert str(created.year) not in page.locator("time").first.inner_text()  # no Gregorian year
    check_accessibility(page)
    screenshot(page, "lead-fa")


def test_a_hebrew_reader_gets_a_right_to_left_page_with_gregorian_dates(floor, page):
    url, lead = floor["url"], floor["lead"]
    saved_language(floor, "he")
    page.context.add_cookies([{"name": "crm_lang", "value": "he", "url": url}])
    page.goto(f"{url}/sign-in")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "sign-in-he")
    page.locator("#email").fill(floor["owner_email"])  # the labels are in Hebrew
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)
    page.locator("main h1").wait_for()
    assert page.locator("html").get_attribute("lang") == "he"
    check_accessibility(page)
    screenshot(page, "my-day-he")
    page.goto(f"{url}/leads/{lead.id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    created = lead.created_at.ToDatetime(tzinfo=dt.UTC).date()
    shown = page.locator("time").first.inner_text()
    assert str(created.year) in shown and str(created.day) in shown  # Gregorian, Western digits
    assert not set(shown) & set("۰۱۲۳۴۵۶۷۸۹")
    check_accessibility(page)
    screenshot(page, "lead-he")


def test_a_persian_reader_picks_a_jalali_day_by_keyboard_and_the_search_gets_its_iso_day(
    floor, page
):
    url, lead = floor["url"], floor["lead"]
    saved_language(floor, "fa")
    page.context.add_cookies([{"name": "crm_lang", "value": "fa", "url": url}])
    sign_in_fa(page, url, floor["owner_email"])
    page.goto(f"{url}/leads")
    field = page.locator("#created_from")  # the label's own field, now a Solar Hijri text field
    assert field.get_attribute("type") == "text"
    assert page.locator("input[type=date]").count() == 0
    # Typed in Persian digits: the last day of Esfand of the leap year 1403.
    field.fill("۱۴۰۳/۱۲/۲۹")
    opener = page.locator("#created_from ~ button.jalali-open")
    opener.focus()
    page.keyboard.press("Enter")
    page.get_by_role("grid").wait_for()
    assert page.locator("#created_from-month").inner_text() == "اسفند ۱۴۰۳"
    page.keyboard.press("ArrowLeft")  # right to left: the next day, the leap day 1403/12/30
    page.keyboard.press("PageDown")  # Farvardin 1404 (Nowruz passed): 1404/01/30
    page.keyboard.press("ArrowRight")  # the day before: 1404/01/29
    check_accessibility(page)
    screenshot(page, "leads-search-fa-picker")
    page.keyboard.press("Enter")
    picked = jdatetime.date(1404, 1, 29).togregorian()
    assert picked == dt.date(2025, 4, 18)
    assert field.input_value() == "۱۴۰۴/۰۱/۲۹"
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_url(f"**created_from={picked.isoformat()}**")
    page.locator("#results").get_by_text(lead.data.company.name).first.wait_for()
    # The server rendered the day it received; the page shows it in the Solar Hijri calendar.
    page.reload()
    assert page.locator("#created_from").input_value() == "۱۴۰۴/۰۱/۲۹"
    assert page.locator("input[type=hidden][name=created_from]").input_value() == "2025-04-18"


def sign_in_fa(page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in")
    page.locator("#email").fill(email)  # the labels are in Persian
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)
