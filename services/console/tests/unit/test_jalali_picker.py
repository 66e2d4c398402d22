"""The Solar Hijri date picker's script (``static/jalali.js``) in headless Chromium, on a small
page of its own: its calendar arithmetic agrees with jdatetime (the server's) day by day over
decades, on known pairs (leap years 1403 and 1408, the days around Nowruz) and on days that do
not exist; typed dates in Persian or Latin digits become the ISO day the server expects; the
month grid is keyboard-operable, respects the input's maximum and passes the accessibility
check. The picker on a real Persian page of the console is in tests/e2e."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jdatetime
import pytest

from crm_testkit.browser import check_accessibility

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "crm_console" / "static"
WORDS = {
    "choose": "انتخاب تاریخ",
    "previous": "ماه قبل",
    "next": "ماه بعد",
    "close": "بستن تقویم",
    "hint": "سال/ماه/روز",
    "invalid": "تاریخ نامعتبر است",
    "range": "این روز خارج از بازهٔ مجاز این‌جاست",
}
FORM = """<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">
<title>پرداخت</title></head><body><main><h1>پرداخت</h1>
<form id="pay"><label for="paid">تاریخ پرداخت</label>
<input id="paid" name="paid_on" type="date" value="2026-12-07" max="2026-12-07" required>
<button type="submit">ثبت</button></form></main></body></html>"""


@pytest.fixture
def script_page(page):
    page.set_content(FORM)
    page.add_style_tag(path=str(STATIC / "console.css"))
    page.evaluate((STATIC / "jalali.js").read_text(encoding="utf-8") + "\n;undefined")
    return page


@pytest.mark.parametrize(
    ("jalali", "iso"),
    [
        ((1405, 9, 16), "2026-12-07"),
        ((1402, 12, 29), "2024-03-19"),  # the last day of a common year
        ((1403, 1, 1), "2024-03-20"),  # Nowruz
        ((1403, 12, 30), "2025-03-20"),  # the leap day of 1403
        ((1404, 1, 1), "2025-03-21"),
        ((1408, 12, 30), "2030-03-20"),  # the leap day of 1408
        ((1409, 1, 1), "2030-03-21"),
        ((1399, 12, 30), "2021-03-20"),
        ((1378, 10, 11), "2000-01-01"),
    ],
)
def test_known_pairs_convert_both_ways(script_page, jalali, iso):
    y, m, d = jalali
    assert script_page.evaluate("([y, m, d]) => CrmJalali.toGregorian(y, m, d)", [y, m, d]) == iso
    assert script_page.evaluate("(iso) => CrmJalali.toJalali(iso)", iso) == dict(
        year=y, month=m, day=d
    )


def test_every_day_of_seven_decades_agrees_with_jdatetime(script_page):
    first = dt.date(1990, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range((dt.date(2060, 12, 31) - first).days + 1)]
    got = script_page.evaluate(
        "(days) => days.map((iso) => { const j = CrmJalali.toJalali(iso); "
        "return [j.year, j.month, j.day, CrmJalali.toGregorian(j.year, j.month, j.day)]; })",
        [d.isoformat() for d in days],
    )
    for day, (year, month, dom, back) in zip(days, got, strict=True):
        expected = jdatetime.date.fromgregorian(date=day)
        assert (year, month, dom) == (expected.year, expected.month, expected.day), day
        assert back == day.isoformat()


def test_leap_years_and_days_that_do_not_exist(script_page):
    leap = script_page.evaluate("() => [1399, 1403, 1404, 1407, 1408].map(CrmJalali.isLeap)")
    assert leap == [True, True, False, False, True]
    missing = script_page.evaluate(
        "() => [[1404, 12, 30], [1405, 7, 31], [1405, 13, 1], [1405, 0, 10], [1405, 1, 0]]"
        ".map(([y, m, d]) => CrmJalali.toGregorian(y, m, d))"
    )
    assert missing == [None] * 5
    assert script_page.evaluate("() => CrmJalali.toJalali('2025-02-30')") is None


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("۱۴۰۵/۰۹/۱۶", "2026-12-07"),
        ("1405/09/16", "2026-12-07"),
        ("1405/9/16", "2026-12-07"),
        ("١٤٠٥-٠٩-١٦", "2026-12-07"),  # Arabic-Indic digits, dashes
        (" 1403/12/30 ", "2025-03-20"),
        ("", ""),
        ("1404/12/30", None),  # 1404 is not a leap year
        ("16/09/1405", None),
        ("tomorrow", None),
    ],
)
def test_typed_dates_become_iso_days(script_page, typed, iso):
    assert script_page.evaluate("(text) => CrmJalali.parse(text)", typed) == iso


def test_the_grid_is_keyboard_operable_and_respects_the_maximum(script_page):
    page = script_page
    page.evaluate("(words) => CrmJalali.enhance(document.body, words)", WORDS)
    field = page.get_by_label("تاریخ پرداخت")
    hidden = page.locator("input[type=hidden][name=paid_on]")
    assert field.input_value() == "۱۴۰۵/۰۹/۱۶"
    assert hidden.input_value() == "2026-12-07"
    assert page.locator("input[type=date]").count() == 0

    # A typed day after the maximum is refused, with the field saying why.
    field.fill("۱۴۰۵/۰۹/۱۷")
    assert hidden.input_value() == ""
    assert (
        page.evaluate("() => document.getElementById('paid').validationMessage") == WORDS["range"]
    )
    field.fill("1405/08/01")
    assert hidden.input_value() == "2026-10-23"

    button = page.get_by_role("button", name=WORDS["choose"])
    button.focus()
    page.keyboard.press("Enter")
    grid = page.get_by_role("grid")
    grid.wait_for()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator(".jalali-title").inner_text() == "آبان ۱۴۰۵"
    # Saturday first: 1 Aban 1405 (23 October 2026) is a Friday, the last column.
    assert page.locator(".jalali-grid tbody tr").first.locator("td").count() == 7
    assert page.locator(".jalali-grid tbody tr").first.locator("td").nth(6).inner_text() == "۱"
    check_accessibility(page)

    # Right to left: the left arrow is the next day; PageDown the next month.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("PageDown")
    focused = page.evaluate("() => document.activeElement.getAttribute('data-iso')")
    assert focused == jdatetime.date(1405, 9, 9).togregorian().isoformat()
    assert page.locator(".jalali-title").inner_text() == "آذر ۱۴۰۵"
    # Days after the maximum cannot be picked.
    page.keyboard.press("PageDown")
    assert page.locator("td[aria-disabled=true]").count() == 30  # all of Dey
    page.keyboard.press("Enter")
    assert grid.is_visible()
    assert hidden.input_value() == "2026-10-23"
    page.keyboard.press("PageUp")
    page.keyboard.press("ArrowRight")  # the previous day: 8 Azar
    page.keyboard.press("Enter")
    assert not grid.is_visible()
    assert field.input_value() == "۱۴۰۵/۰۹/۰۸"
    assert hidden.input_value() == jdatetime.date(1405, 9, 8).togregorian().isoformat()

    # Escape closes without picking and gives the focus back to the button.
    button.click()
    grid.wait_for()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Escape")
    assert not grid.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('jalali-open')")
    assert hidden.input_value() == "2026-11-29"

    # Tabbing out of the picker (past its last button) closes the grid.
    page.keyboard.press("Enter")
    grid.wait_for()
    page.get_by_role("button", name=WORDS["close"]).focus()
    page.keyboard.press("Tab")
    assert not grid.is_visible()
    assert hidden.input_value() == "2026-11-29"
