"""Languages of the console: gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``,
compiled to ``.mo`` by ``make setup``), the page's direction, dates and money per locale.

Persian dates are shown in the Solar Hijri (Jalali) calendar with Persian digits; Hebrew and
English in the Gregorian calendar. Every moment is shown in the person's own time zone (the
language carries it: ``Language("fa", "Asia/Tehran")``). Money is formatted by Babel (CLDR) for the currency and the
person's language: the currency's own minor units, symbol and digit grouping.

A board formats a figure on every card, and Babel reads the locale's data and parses the
pattern on every call: the per-locale and per-currency parts are worked out once
(``_money_format``) and small numbers (counts, percentages, days) are remembered, so a card costs
a ``Decimal`` quantize and a string format. ``tests/unit/test_languages.py`` holds the result to
Babel's own output.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gettext
import re
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache, lru_cache
from pathlib import Path

import jdatetime
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from crm_console.domain.errors import ConsoleError

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
class _MoneyFormat:
    """A currency in a locale, taken from Babel once: the text around the number, the minor
    units and the separators. ``None`` from ``_money_format`` when the locale's pattern is one
    this shortcut does not cover (other grouping, significant digits, exponent): Babel then
    formats every value."""

    prefix: str
    suffix: str
    quantum: Decimal
    separators: dict[int, str]


def _literal(affix: str, symbol: str) -> str:
    # As Babel's NumberPattern.apply: the currency sign replaced, quoted text unquoted (patterns
    # with the code or name signs, ¤¤ and ¤¤¤, are left to Babel).
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", affix.replace("¤", symbol))


@cache
def _money_format(locale_name: str, currency: str) -> _MoneyFormat | None:
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    if (
        pattern is None
        or pattern.grouping != (3, 3)
        or pattern.exp_prec
        or "@" in pattern.pattern
        or pattern.int_prec[0] != 1
        or pattern.scale != 0
        or "¤¤" in pattern.pattern
    ):
        return None
    symbol = babel_numbers.get_currency_symbol(currency, locale)
    digits = babel_numbers.get_currency_precision(currency)
    group = babel_numbers.get_group_symbol(locale, numbering_system="default")
    decimal = babel_numbers.get_decimal_symbol(locale, numbering_system="default")
    return _MoneyFormat(
        prefix=_literal(pattern.prefix[0], symbol),
        suffix=_literal(pattern.suffix[0], symbol),
        quantum=Decimal(1).scaleb(-digits),
        separators={ord(","): group, ord("."): decimal},
    )


@lru_cache(maxsize=4096)
def _number(locale_name: str, value: int | Decimal) -> str:
    # Counts, percentages and days repeat on every card: each distinct one is formatted once.
    return str(babel_numbers.format_decimal(value, locale=locale_name, numbering_system="default"))


@cache
def zone_of(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone ``name``, or None when there is no such zone."""
    if not name or name != name.strip():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, sorted (the settings page's choice)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@lru_cache(maxsize=4096)
def _medium_date(locale_name: str, day: dt.date) -> str:
    # Babel parses the locale on every call (15 µs a date; 0.9 µs from this cache), and a lead
    # search page shows 50 dates, most of them a few distinct days.
    return str(babel_dates.format_date(day, format="medium", locale=locale_name))


@dataclass(frozen=True)
class Language:
    """How a page is written for its person: language and time zone (a known IANA name)."""

    code: str
    zone: str = "UTC"

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL else "ltr"

    def local(self, value: dt.datetime) -> dt.datetime:
        """``value`` (aware; naive is UTC) on the person's clock."""
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(zone_of(self.zone) or dt.UTC)

    def today(self, now: dt.datetime) -> dt.date:
        """The person's calendar day at ``now``."""
        return self.local(now).date()

    def gettext(self, message: str) -> str:
        return translations(self.code).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.code).ngettext(singular, plural, n)

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        """A day as people of the language write it: ``۱۶ آذر ۱۴۰۵`` in Persian. A moment is
        the day it is in the person's time zone; a string is an ISO day ("2026-12-07")."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return value  # not a day deals would send: shown as it came
        elif isinstance(value, dt.datetime):
            day = self.local(value).date()
        else:
            day = value
        if self.code == "fa":
            jalali = jdatetime.date.fromgregorian(date=day)
            text = f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}"
            return text.translate(PERSIAN_DIGITS)
        return _medium_date(BABEL_LOCALES[self.code], day)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = self.local(value)
        clock = local.strftime("%H:%M")
        if self.code == "fa":
            clock = clock.translate(PERSIAN_DIGITS)
        return f"{self.date(local)} {clock}"

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
        shape = _money_format(locale, currency)
        if shape is None or not amount.is_finite() or amount < 0:
            text = str(
                babel_numbers.format_currency(
                    amount, currency, locale=locale, numbering_system="default"
                )
            )
        else:
            rounded = amount.quantize(shape.quantum, rounding=ROUND_HALF_EVEN)
            text = f"{shape.prefix}{f'{rounded:,f}'.translate(shape.separators)}{shape.suffix}"
        return self._digits(text)

    def number(self, value: int | Decimal) -> str:
        return self._digits(_number(BABEL_LOCALES[self.code], value))


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


def say(error: ConsoleError, language: Language | None = None) -> str:
    """The error's sentence for the page: one the console wrote (a ``Text``) in the person's
    language, its plural for the count and numbers in the language's digits; a service's
    sentence as the service wrote it."""
    if error.text is None:
        return error.message
    lang = language or current()

    def value(param: str | int) -> str:
        return lang.number(param) if isinstance(param, int) else param

    return error.text.render(lang.gettext, lang.ngettext, value)
