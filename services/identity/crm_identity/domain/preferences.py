"""A person's own preferences: the language and time zone the console shows them.

Kept with the user in identity so that they follow the person to every browser and device,
but outside the User aggregate: changing them neither increments the user's ``version`` nor
emits an event (no other service reads them, and a version without an event would look like a
lost event to every consumer of identity's events). The calendar is not a preference: it follows
the language (Persian dates are Solar Hijri, the others Gregorian).

An empty value means "not chosen": the client keeps its own default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from zoneinfo import available_timezones

from crm_chassis.errors import InvalidArgument

LANGUAGES: dict[str, str] = {"en": "English", "fa": "Persian", "he": "Hebrew"}
FIELDS = ("language", "time_zone")
MAX_TIME_ZONE_LENGTH = 64


@cache
def _zones() -> frozenset[str]:
    # The IANA names of the zone database Python reads (the system's or the tzdata package).
    return frozenset(available_timezones())


def parse_language(value: str) -> str:
    code = (value or "").strip()
    if code and code not in LANGUAGES:
        known = ", ".join(f"{c} ({name})" for c, name in LANGUAGES.items())
        raise InvalidArgument(
            f"language: {value!r} is not a language of the CRM; choose one of {known}",
            field="language",
        )
    return code


def parse_time_zone(value: str) -> str:
    name = (value or "").strip()
    if name and (len(name) > MAX_TIME_ZONE_LENGTH or name not in _zones()):
        raise InvalidArgument(
            f"time_zone: {value[:MAX_TIME_ZONE_LENGTH]!r} is not an IANA time zone name "
            "(e.g. Asia/Tehran, Europe/Berlin)",
            field="time_zone",
        )
    return name


@dataclass(frozen=True)
class Preferences:
    language: str = ""
    time_zone: str = ""

    def changed(self, values: Preferences, fields: tuple[str, ...] = ()) -> Preferences:
        """These preferences with ``fields`` (every field when empty) taken from ``values``,
        validated; INVALID_ARGUMENT names an unknown field, language or zone."""
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise InvalidArgument(
                f"update_mask: {', '.join(unknown)} cannot be changed; "
                f"the preferences are {', '.join(FIELDS)}",
                field="update_mask",
            )
        wanted = fields or FIELDS
        changes = {}
        if "language" in wanted:
            changes["language"] = parse_language(values.language)
        if "time_zone" in wanted:
            changes["time_zone"] = parse_time_zone(values.time_zone)
        return replace(self, **changes)
