"""Personal-data requests: who may make them, the person's e-mail, and redaction of values.

Pure Python (service layers import it). The rules every service applies alike:

- the right: the ``data_protection_officer`` person role (identity grants it). A service
  account, an administrator or a manager without it is refused: exports and erasures reach
  every team's records, which no team membership grants;
- the person is named by an e-mail address, compared without regard to case;
- erasing a value is replacing it by :data:`ERASED` (or emptying it), never a reversible
  transformation: the stored copy cannot be turned back into the person's data;
- JSON documents that mention the person (event payloads, history entries) are *tombstoned*:
  every string holding one of the person's values becomes :data:`ERASED`, so the document
  keeps its shape and every consumer can still read it. Only values that name the person alone
  (address, phone, full name) are searched for everywhere; a first name or a title alone is
  erased only in the person's own records (:class:`PersonValues`), never in other people's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crm_chassis.caller import USER, Caller, require_authenticated
from crm_chassis.errors import InvalidArgument, PermissionDenied

DATA_PROTECTION_OFFICER = "data_protection_officer"
ERASED = "[erased]"
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_NEEDLE = 3  # shorter values (an initial) would erase unrelated text


def require_data_protection_officer(caller: Caller | None, what: str) -> Caller:
    """The caller, if a person holding the role; PERMISSION_DENIED naming who grants it."""
    caller = require_authenticated(caller)
    if caller.kind == USER and caller.has_role(DATA_PROTECTION_OFFICER):
        return caller
    raise PermissionDenied(
        f"{what} needs the '{DATA_PROTECTION_OFFICER}' role: an administrator grants it with "
        f"`crmctl users update <you> --role {DATA_PROTECTION_OFFICER}` (naming every role to keep)"
    )


def subject_email(raw: str | None) -> str:
    """The person's e-mail as compared (trimmed, lower-cased), or INVALID_ARGUMENT."""
    email = (raw or "").strip()
    if not email:
        raise InvalidArgument("email is required: the person's e-mail address", field="email")
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise InvalidArgument(
            f"email {raw!r} is not an e-mail address such as name@example.com", field="email"
        )
    return email.lower()


def masked(email: str) -> str:
    """What the audit record keeps of the address: its first letter and domain."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def fingerprint(email: str) -> str:
    """A one-way key of the address (SHA-256), to find a person's requests again."""
    return hashlib.sha256(email.lower().encode()).hexdigest()


def needles(values: Iterable[str]) -> tuple[str, ...]:
    """The person's values worth searching for: lower-cased, long enough, each once."""
    found = {v.strip().lower() for v in values if v and len(v.strip()) >= MIN_NEEDLE}
    found.discard(ERASED)
    return tuple(sorted(found))


def mentions(text: str, values: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(v in lowered for v in values)


def redact(document: Any, values: Iterable[str]) -> Any:
    """``document`` (decoded JSON) with every string mentioning one of ``values`` (lower-case
    needles) replaced by :data:`ERASED`; keys, numbers and the shape are kept."""
    wanted = tuple(values)
    if isinstance(document, str):
        return ERASED if wanted and mentions(document, wanted) else document
    if isinstance(document, list):
        return [redact(item, wanted) for item in document]
    if isinstance(document, dict):
        return {key: redact(value, wanted) for key, value in document.items()}
    return document


@dataclass(frozen=True)
class PersonValues:
    """What identifies one person in text, lower-case. ``unique`` values (the address, a phone,
    a full name) are searched for everywhere; ``parts`` (a first or a last name alone, a title)
    would also match other people, so they are tombstoned only in the person's own records."""

    unique: tuple[str, ...]
    parts: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        email: str,
        *,
        phones: Iterable[str] = (),
        full_names: Iterable[str] = (),
        parts: Iterable[str] = (),
    ) -> PersonValues:
        unique = needles([email, *phones, *full_names])
        return cls(unique, tuple(v for v in needles(parts) if v not in unique))

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted({*self.unique, *self.parts}))

    def merged(self, other: PersonValues) -> PersonValues:
        unique = tuple(sorted({*self.unique, *other.unique}))
        return PersonValues(unique, tuple(sorted({*self.parts, *other.parts} - set(unique))))


def person_values(document: Any, email: str) -> PersonValues:
    """The person's values in a decoded JSON document: every object whose ``email`` is
    ``email`` (a lead's ``person``, a contact) gives its phone and full name, and its first and
    last name and title as parts."""
    found = PersonValues.of(email)
    if isinstance(document, list):
        for item in document:
            found = found.merged(person_values(item, email))
    elif isinstance(document, dict):
        if str(document.get("email", "")).lower() == email:
            text = {key: str(document.get(key) or "") for key in PERSON_KEYS}
            full = f"{text['first_name']} {text['last_name']}".strip()
            found = found.merged(
                PersonValues.of(
                    email,
                    phones=[text["phone"]],
                    full_names=[full, text["full_name"]],
                    parts=[text["first_name"], text["last_name"], text["title"], text["job_title"]],
                )
            )
        for value in document.values():
            found = found.merged(person_values(value, email))
    return found


PERSON_KEYS = ("first_name", "last_name", "full_name", "phone", "title", "job_title")
