"""A signed-in person's session as the console keeps it (inside an encrypted cookie).

The tokens are identity's: the access token goes with every call the console makes for the
person, the refresh token renews it. Nothing here is readable by the page's JavaScript: the
cookie is HttpOnly and its content encrypted (``adapters.cookie_vault``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Renew the access token this long before it expires, so a page never calls with a token
# that dies on the way.
REFRESH_MARGIN = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime

    def needs_refresh(self, now: dt.datetime) -> bool:
        return now >= self.access_expires_at - REFRESH_MARGIN

    def refresh_expired(self, now: dt.datetime) -> bool:
        return now >= self.refresh_expires_at


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str
    display_name: str
    roles: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True)
class Preferences:
    """A person's own choices, kept by identity so that they follow the person to every browser:
    a language code and an IANA time zone; empty while not chosen (the calendar follows the
    language)."""

    language: str = ""
    time_zone: str = ""


@dataclass(frozen=True)
class Me:
    """identity's answer at sign-in: who the person is and their saved preferences."""

    person: Person
    preferences: Preferences = field(default_factory=Preferences)


@dataclass(frozen=True)
class Session:
    """Who is signed in, with their tokens, and the token that guards their forms (CSRF)."""

    person: Person
    tokens: Tokens
    csrf_token: str

    def with_tokens(self, tokens: Tokens) -> Session:
        return Session(person=self.person, tokens=tokens, csrf_token=self.csrf_token)
