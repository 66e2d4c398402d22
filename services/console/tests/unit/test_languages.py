"""English, Persian and Hebrew: complete catalogues, right-to-left pages, Jalali dates for
Persian, money per currency and locale, each person's choice remembered."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel import numbers as babel_numbers
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from crm_console.entrypoints.i18n import BABEL_LOCALES, PERSIAN_DIGITS, Language

PACKAGE = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# The console's own sentences (crm_console.domain.errors): ``T_`` and ``Tn_`` (singular, plural).
KEYWORDS = {**DEFAULT_KEYWORDS, "T_": None, "Tn_": (1, 2)}


def extracted() -> set[str]:
    method_map = [
        ("crm_console/**.py", "python"),
        ("crm_console/templates/**.html", "jinja2"),
    ]
    options = {"crm_console/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(PACKAGE, method_map, keywords=KEYWORDS, options_map=options)
    # a message with a plural is known by its singular
    return {m if isinstance(m, str) else m[0] for _, _, m, _, _ in found if m}


@pytest.mark.parametrize("language", ["fa", "he"])
def test_every_message_of_the_pages_is_translated(language):
    path = PACKAGE / "crm_console" / "locale" / language / "LC_MESSAGES" / "messages.po"
    catalogue = read_po(path.open("rb"))
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = extracted() - translated
    assert not missing, f"translate in {path.name} ({language}): {sorted(missing)}"


def test_dates_and_money_as_each_language_writes_them():
    day = dt.date(2026, 12, 7)
    assert Language("fa").date(day) == "۱۶ آذر ۱۴۰۵"  # Solar Hijri, Persian digits
    assert Language("en").date(day) == "Dec 7, 2026"
    assert "2026" in Language("he").date(day)
    assert Language("en").money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert Language("en").money(Decimal("1234567"), "IRR") == "IRR1,234,567"  # no minor unit
    assert "۱٬۲۳۴٬۵۶۷" in Language("fa").money(Decimal("1234567"), "IRR")
    assert "1,234.50" in Language("he").money(Decimal("1234.5"), "ILS")
    assert "₪" in Language("he").money(Decimal("1234.5"), "ILS")


def test_a_persian_reader_gets_a_right_to_left_page_with_jalali_dates_and_keeps_the_choice(
    world, make_lead
):
    client, identity, leads, _ = world
    ann = identity.add("ann@example.com", "Ann")
    leads.teams["berlin"] = {ann.user_id}
    leads.leads["l1"] = make_lead("l1", ann.user_id, team="berlin")
    form = client.get("/sign-in")
    chosen = client.post(
        "/language",
        data={"csrf_token": CSRF.search(form.text).group(1), "lang": "fa", "next": "/sign-in"},
        follow_redirects=False,
    )
    cookie = next(c for c in chosen.headers.get_list("set-cookie") if c.startswith("crm_lang="))
    assert "crm_lang=fa" in cookie and "Max-Age=31536000" in cookie
    page = client.get("/sign-in")
    assert '<html lang="fa" dir="rtl">' in page.text and "ورود" in page.text
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "email": ann.email,
            "password": "correct horse battery staple",
        },
    )
    lead_page = client.get("/leads/l1")
    assert '<html lang="fa" dir="rtl">' in lead_page.text
    assert "۱۶ آذر ۱۴۰۵" in lead_page.text  # created 2026-12-07
    assert "سرنخ‌ها" in lead_page.text  # the navigation, translated


def test_hebrew_is_right_to_left_and_english_left_to_right(world):
    client, _, _, _ = world
    assert '<html lang="en" dir="ltr">' in client.get("/sign-in").text
    client.cookies.set("crm_lang", "he", domain="console.test")
    assert '<html lang="he" dir="rtl">' in client.get("/sign-in").text
    client.cookies.set("crm_lang", "xx", domain="console.test")  # unknown: the default
    assert '<html lang="en" dir="ltr">' in client.get("/sign-in").text


AMOUNTS = ("0", "0.5", "0.005", "0.015", "1", "12.345", "999.995", "1000", "1234.5", "1234567.891")
AMOUNTS += ("100000000000.1", "-1234.5", "0.125", "7E+3", "2.675")


@pytest.mark.parametrize("code", ["en", "fa", "he"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "ILS", "IRR", "JPY", "KWD", "CHF"])
def test_the_cached_money_format_writes_what_babel_writes(code, currency):
    """The board formats with the per-currency shape worked out once; it must be Babel's text."""
    language = Language(code)
    for amount in map(Decimal, AMOUNTS):
        babel = str(
            babel_numbers.format_currency(
                amount, currency, locale=BABEL_LOCALES[code], numbering_system="default"
            )
        )
        expected = babel.translate(PERSIAN_DIGITS) if code == "fa" else babel
        assert language.money(amount, currency) == expected, (amount, currency)
        assert language.number(int(amount)) == language._digits(
            str(
                babel_numbers.format_decimal(
                    int(amount), locale=BABEL_LOCALES[code], numbering_system="default"
                )
            )
        )


def test_persian_pages_load_the_jalali_picker_over_native_date_inputs(world):
    client, identity, _, _ = world
    ann = identity.add("ann@example.com", "Ann")
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "email": ann.email,
            "password": "correct horse battery staple",
        },
    )
    english = client.get("/leads?created_from=2025-04-18").text
    assert "jalali.js" not in english
    client.cookies.set("crm_lang", "fa", domain="console.test")
    persian = client.get("/leads?created_from=2025-04-18").text
    # The picker's words are the catalogue's, handed to the script by its tag.
    assert '<script src="/static/jalali.js" defer data-choose="انتخاب تاریخ"' in persian
    assert 'data-invalid="تاریخ نامعتبر است' in persian
    # Without JavaScript the native input stays: an ISO Gregorian value, as in every language.
    assert 'name="created_from" type="date" value="2025-04-18"' in persian
    client.cookies.set("crm_lang", "he", domain="console.test")
    assert "jalali.js" not in client.get("/leads").text
