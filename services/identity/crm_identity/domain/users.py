"""The User aggregate: who may log in, in which departments, with which roles.

Rules kept here (and nowhere else):
- e-mail is normalised (trimmed, domain lower-cased) and validated; it is the login name.
  The local part keeps its case in the stored address (RFC 5321 says it may matter), but two
  addresses that differ only in case are the same account: uniqueness and login use `email_key`.
- display name: 1..200 characters after trimming, no control characters.
- departments: a subset of DEPARTMENTS; a user in none may still log in (they see no team data).
- roles: a subset of ROLES. `admin` manages users and structure and grants no data access.
- every change increments `version` (equal to the aggregate_version of the event it causes).
- `tokens_valid_after`: access tokens issued (iat) before this instant are refused; set when a
  password is reset or changed, so the user's existing sessions end at once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crm_chassis.errors import FailedPrecondition, InvalidArgument, ValidationErrors
from crm_chassis.service_roles import SERVICE_ROLES

DEPARTMENTS: dict[str, str] = {
    "management": "Management: leads the sales organisation, sets targets, transfers deals.",
    "sales": "Sales: works leads and opportunities of its teams through the pipeline.",
    "marketing": "Marketing: runs campaigns and lead sources, qualifies incoming leads.",
    "after_sales_service": "After-sales service: serves customers after the order (renewals, "
    "support, churn prevention).",
}

# admin: may create and change users, departments, roles, service accounts and the sales
# structure. It grants no access to leads, deals or reports (those follow team membership).
ROLES: dict[str, str] = {
    "admin": "Administrator: manages users, service accounts and the sales structure.",
    # Catalog administration (catalog checks them; docs/services/catalog.md). Like admin, they
    # grant no access to any team's leads or deals.
    "catalog_manager": "Manages the product catalog: unit groups, products, price and "
    "discount lists.",
    "pricing_manager": "Manages price lists and discount lists.",
    # Personal-data requests (crm_chassis.privacy; docs/operations.md, Personal data): exports
    # and erasures of a person across every team. Grants no other access to leads or deals.
    "data_protection_officer": "Answers personal-data requests: exports and erases a "
    "person's data across the platform.",
}

ACTIVE = "active"
DEACTIVATED = "deactivated"
STATUSES = (ACTIVE, DEACTIVATED)

MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 200
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_email(raw: str) -> str:
    """The stored form of an e-mail, or InvalidArgument(field="email") saying what is wrong."""
    email = (raw or "").strip()
    if not email:
        raise InvalidArgument("e-mail is required", field="email")
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidArgument(f"e-mail is longer than {MAX_EMAIL_LENGTH} characters", field="email")
    if email.count("@") != 1:
        raise InvalidArgument(
            "e-mail must contain exactly one '@', like name@example.com", field="email"
        )
    local, domain = email.split("@")
    if not local or len(local) > 64:
        raise InvalidArgument("the part before '@' must be 1..64 characters", field="email")
    dots_misplaced = local.startswith(".") or local.endswith(".") or ".." in local
    if not _LOCAL_PART.match(local) or dots_misplaced:
        raise InvalidArgument(
            "the part before '@' contains characters not allowed in an e-mail", field="email"
        )
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise InvalidArgument("the domain after '@' is not valid, e.g. example.com", field="email")
    return f"{local}@{domain}"


def email_key(raw: str) -> str:
    """Case-insensitive key of an address (uniqueness, login, throttling). Never raises."""
    return (raw or "").strip().rstrip(".").lower()


def validate_display_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise InvalidArgument("display name is required", field="display_name")
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidArgument(
            f"display name is longer than {MAX_DISPLAY_NAME_LENGTH} characters",
            field="display_name",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise InvalidArgument("display name contains control characters", field="display_name")
    return name


def validate_departments(names: Iterable[str], field_name: str = "departments") -> frozenset[str]:
    values = frozenset(names)
    unknown = sorted(values - DEPARTMENTS.keys())
    if unknown:
        raise InvalidArgument(
            f"unknown department(s) {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(DEPARTMENTS)}",
            field=field_name,
        )
    return values


def validate_roles(names: Iterable[str], field_name: str = "roles") -> frozenset[str]:
    """Person roles only: a service-account role (SERVICE_ROLES) is never granted to a person."""
    values = frozenset(names)
    unknown = sorted(values - ROLES.keys())
    if unknown:
        service = sorted(set(unknown) & SERVICE_ROLES.keys())
        hint = (
            f" ({', '.join(map(repr, service))} belong(s) to service accounts, not people)"
            if service
            else ""
        )
        raise InvalidArgument(
            f"unknown person role(s) {', '.join(map(repr, unknown))}{hint}; "
            f"known: {', '.join(ROLES)}",
            field=field_name,
        )
    return values


def collect_problems(**checks: tuple[Callable[[Any], Any], Any]) -> dict[str, Any]:
    """Run every ``name=(validator, raw)``; raise all their problems at once (one round trip
    shows a form every mistake), or return the validated values."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name, (validator, raw) in checks.items():
        try:
            values[name] = validator(raw)
        except InvalidArgument as exc:
            problems.append((exc.field or name, exc.message))
    if len(problems) == 1:
        raise InvalidArgument(problems[0][1], field=problems[0][0])
    if problems:
        raise ValidationErrors(problems)
    return values


@dataclass
class User:
    id: str
    email: str
    display_name: str
    password_hash: str
    created_at: dt.datetime
    updated_at: dt.datetime
    tokens_valid_after: dt.datetime
    status: str = ACTIVE
    departments: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: str,
        email: str,
        display_name: str,
        password_hash: str,
        departments: Iterable[str] = (),
        roles: Iterable[str] = (),
        now: dt.datetime,
    ) -> User:
        values = collect_problems(
            email=(normalise_email, email),
            display_name=(validate_display_name, display_name),
            departments=(validate_departments, departments),
            roles=(validate_roles, roles),
        )
        return cls(
            id=id,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
            tokens_valid_after=now,
            **values,
        )

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def check_version(self, expected: int) -> None:
        """Optimistic concurrency: refuse a change prepared against another version."""
        if expected and expected != self.version:
            raise FailedPrecondition(
                f"user {self.id} is at version {self.version}, not {expected}: it changed since "
                "you read it; read it again and reapply your change",
                field="expected_version",
            )

    def _touch(self, now: dt.datetime) -> None:
        self.version += 1
        self.updated_at = now

    def update_profile(
        self,
        *,
        now: dt.datetime,
        email: str | None = None,
        display_name: str | None = None,
        roles: Iterable[str] | None = None,
    ) -> list[str]:
        """Apply the given fields; returns the names of those that really changed."""
        changed: list[str] = []
        if email is not None:
            new_email = normalise_email(email)
            if new_email != self.email:
                self.email, changed = new_email, changed + ["email"]
        if display_name is not None:
            new_name = validate_display_name(display_name)
            if new_name != self.display_name:
                self.display_name, changed = new_name, changed + ["display_name"]
        if roles is not None:
            new_roles = validate_roles(roles)
            if new_roles != self.roles:
                self.roles, changed = new_roles, changed + ["roles"]
        if changed:
            self._touch(now)
        return changed

    def deactivate(self, now: dt.datetime) -> bool:
        """Returns False when already deactivated (a no-op, no new version)."""
        if not self.is_active:
            return False
        self.status = DEACTIVATED
        self._touch(now)
        return True

    def reactivate(self, now: dt.datetime) -> None:
        if self.is_active:
            raise FailedPrecondition(f"user {self.id} is already active", field="id")
        self.status = ACTIVE
        self._touch(now)

    def set_departments(
        self, departments: Iterable[str], now: dt.datetime
    ) -> tuple[frozenset[str], frozenset[str]] | None:
        """Replace the departments; returns (added, removed), or None when nothing changed."""
        new = validate_departments(departments)
        if new == self.departments:
            return None
        added, removed = new - self.departments, self.departments - new
        self.departments = new
        self._touch(now)
        return added, removed

    def set_password_hash(self, password_hash: str, now: dt.datetime) -> None:
        """A new password ends every session: tokens issued before now stop working."""
        self.password_hash = password_hash
        self.tokens_valid_after = now
        self._touch(now)

    def accepts_token_issued_at(self, issued_at: dt.datetime) -> bool:
        return token_accepted(self.status, self.tokens_valid_after, issued_at)


def token_accepted(status: str, tokens_valid_after: dt.datetime, issued_at: dt.datetime) -> bool:
    """Whether an access token issued at ``issued_at`` still speaks for a user in this state.

    Access tokens carry `iat` to the millisecond, so the comparison is at that precision: only a
    token issued within the same millisecond as a password reset, before it, survives it (until
    it expires, at most 15 min; its refresh token is revoked). Deactivation has no such window
    (status is checked).
    """
    valid_after = tokens_valid_after.replace(
        microsecond=tokens_valid_after.microsecond // 1000 * 1000
    )
    return status == ACTIVE and issued_at >= valid_after
