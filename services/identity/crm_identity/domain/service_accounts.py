"""Service accounts: how one service calls another (client-credentials grant).

The client id is "svc-<name>-<8 random hex>" (readable in logs, not guessable); the secret is 32
random bytes shown once at creation; identity keeps only its argon2id hash. Tokens issued to
a service account have kind "service", carry the account's roles and have no refresh token.

Roles: only the narrow service roles of ``crm_chassis.service_roles.SERVICE_ROLES`` (read_users,
choose_owners...), granted explicitly; a person role such as admin is refused. Being a service
account grants nothing by itself.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from crm_chassis.errors import InvalidArgument
from crm_chassis.service_roles import SERVICE_ROLES
from crm_identity.domain.users import ROLES

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


def validate_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise InvalidArgument('service account name is required, e.g. "territory"', field="name")
    if len(name) > 100 or not _NAME.match(name):
        raise InvalidArgument(
            "service account name must be 1..100 of a-z, 0-9 and '-', not "
            "starting or ending with '-'",
            field="name",
        )
    return name


def validate_service_roles(names: Iterable[str], field_name: str = "roles") -> frozenset[str]:
    """The names as a set, or InvalidArgument listing the service roles there are."""
    values = frozenset(names)
    unknown = sorted(values - SERVICE_ROLES.keys())
    if unknown:
        person = sorted(set(unknown) & ROLES.keys())
        hint = (
            f" ({', '.join(map(repr, person))} belong(s) to people and is never granted to "
            "a service account)"
            if person
            else ""
        )
        raise InvalidArgument(
            f"unknown service role(s) {', '.join(map(repr, unknown))}{hint}; "
            f"known: {', '.join(SERVICE_ROLES)}",
            field=field_name,
        )
    return values


def new_client_id(name: str) -> str:
    return f"svc-{name}-{secrets.token_hex(4)}"


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class ServiceAccount:
    client_id: str
    name: str
    secret_hash: str
    created_at: dt.datetime
    roles: frozenset[str] = field(default_factory=frozenset)
    active: bool = True

    @classmethod
    def create(
        cls,
        *,
        name: str,
        secret_hash: str,
        roles: Iterable[str] = (),
        now: dt.datetime,
        client_id: str | None = None,
    ) -> ServiceAccount:
        name = validate_name(name)
        return cls(
            client_id=client_id or new_client_id(name),
            name=name,
            secret_hash=secret_hash,
            roles=validate_service_roles(roles),
            created_at=now,
        )

    def set_roles(self, roles: Iterable[str]) -> bool:
        """Replace the roles; False when they were already these."""
        new = validate_service_roles(roles)
        if new == self.roles:
            return False
        self.roles = new
        return True

    @property
    def display_name(self) -> str:
        return f"service {self.name}"
