"""Languages of the console: gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``,
compiled to ``.mo`` by ``make setup``), the page's direction, dates and money per locale.

Persian dates are shown in the Solar Hijri (Jalali) calendar with Persian digits; Hebrew and
English in the Gregorian calendar. Money is formatted by Babel (CLDR) for the currency and the
person's language: the currency's own minor units, symbol and digit grouping.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gettext
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import jdatetime
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "fa": "فارسی", "he": "עברית"}
RTL = frozenset({"fa", "he"})
BABEL_LOCALES = {"en": "en_US", "fa": "fa_IR", "he": "he_IL"}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation("messages", LOCALE_DIR, languages=[language])


@dataclass(frozen=True)
class Language:
    code: str

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL else "ltr"

    def gettext(self, message: str) -> str:
        return translations(self.code).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.code).ngettext(singular, plural, n)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """A day as people of the language write it: ``۱۶ آذر ۱۴۰۵`` in Persian."""
        if value is None:
            return ""
        day = value.date() if isinstance(value, dt.datetime) else value
        if self.code == "fa":
            jalali = jdatetime.date.fromgregorian(date=day)
            text = f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}"
            return text.translate(PERSIAN_DIGITS)
        return str(babel_dates.format_date(day, format="medium", locale=BABEL_LOCALES[self.code]))

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        clock = value.astimezone(dt.UTC).strftime("%H:%M")
        if self.code == "fa":
            clock = clock.translate(PERSIAN_DIGITS)
        return f"{self.date(value)} {clock}"

    def iso_day(self, value: dt.date | dt.datetime | None) -> str:
        """The value of a date input (always Gregorian ISO; the label shows the local date)."""
        if value is None:
            return ""
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()

    def _digits(self, text: str) -> str:
        # CLDR's Persian numbers keep Latin digits; Persian readers expect their own.
        return text.translate(PERSIAN_DIGITS) if self.code == "fa" else text

    def money(self, amount: Decimal, currency: str) -> str:
        """In the currency's own minor units and symbol: ``‎ریال ۱٬۲۳۴٬۵۶۸``, ``‏1,234.50 ‏₪``."""
        locale = BABEL_LOCALES[self.code]
        text = babel_numbers.format_currency(
            amount, currency, locale=locale, numbering_system="default"
        )
        return self._digits(str(text))

    def number(self, value: int | Decimal) -> str:
        locale = BABEL_LOCALES[self.code]
        text = babel_numbers.format_decimal(value, locale=locale, numbering_system="default")
        return self._digits(str(text))


ENGLISH = Language("en")
_current: contextvars.ContextVar[Language | None] = contextvars.ContextVar(
    "console_language", default=None
)


def use(language: Language) -> None:
    _current.set(language)


def current() -> Language:
    return _current.get() or ENGLISH


def gettext_(message: str) -> str:
    return current().gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return current().ngettext(singular, plural, n)
