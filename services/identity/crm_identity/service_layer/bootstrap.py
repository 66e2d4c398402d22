"""First start: create the first administrator when there is none, and the service accounts the
deployment names with their secrets (both idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, InvalidArgument
from crm_identity.domain.service_accounts import (
    ServiceAccount,
    validate_name,
    validate_service_roles,
)
from crm_identity.domain.users import User
from crm_identity.service_layer import users
from crm_identity.service_layer.authorization import ADMIN
from crm_identity.service_layer.dependencies import Dependencies

COMPONENT = "identity.bootstrap"


def bootstrap_admin(
    deps: Dependencies, *, email: str, password: str, display_name: str = ""
) -> User | None:
    """Create an admin from the given credentials unless an active admin already exists.

    Returns the new user, or None when nothing had to be done. Running it on every start is
    safe: with an admin present (or the e-mail taken by a concurrent start) it does nothing.
    """
    if not email or not password:
        raise InvalidArgument(
            "bootstrap admin needs CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL and "
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD",
            field="bootstrap_admin_email",
        )
    with deps.uow() as uow:
        if uow.users.any_admin():
            return None
    try:
        # The platform creates the first administrator with an administrator's right.
        return users.create_user(
            deps,
            Caller.system(COMPONENT, roles=frozenset({ADMIN})),
            email=email,
            display_name=display_name or "Administrator",
            password=password,
            departments=(),
            roles=(ADMIN,),
        )
    except AlreadyExists:
        return None


@dataclass(frozen=True)
class BootstrapAccount:
    name: str
    client_id: str
    secret: str
    roles: frozenset[str] | None  # None: the deployment does not say (existing roles are kept)


def _roles(raw: str, where: str) -> frozenset[str]:
    try:
        return validate_service_roles(filter(None, raw.split("+")))
    except InvalidArgument as exc:
        raise InvalidArgument(
            f"{where}: {exc.message}", field="bootstrap_service_accounts"
        ) from None


def parse_service_roles(spec: str) -> dict[str, frozenset[str]]:
    """``"territory:read_users,deals:choose_owners+quote_prices,catalog:"`` -> roles by account
    name (CRM_IDENTITY_BOOTSTRAP_SERVICE_ROLES: not secret, rendered from the manifests)."""
    roles = {}
    for number, entry in enumerate(filter(None, (e.strip() for e in (spec or "").split(","))), 1):
        name, colon, names = entry.partition(":")
        if not colon:
            raise InvalidArgument(
                f"CRM_IDENTITY_BOOTSTRAP_SERVICE_ROLES entry {number} must be "
                "name:role+role (roles may be empty)",
                field="bootstrap_service_roles",
            )
        roles[validate_name(name)] = _roles(names, f"service account {name}")
    return roles


def parse_service_accounts(spec: str, roles_spec: str = "") -> list[BootstrapAccount]:
    """``"name:client_id:secret[:role+role],..."`` -> accounts, with errors naming the entry.

    The deployment chooses client ids and secrets (local runs: fixed local-only values; Kubernetes:
    a Secret), so that the calling service's settings and identity agree without a manual step.
    An account's roles come from its 4th field (``name:id:secret:`` = no role), else from
    ``roles_spec`` by name, else they are not configured (the secret may then contain ':').
    """
    by_name = parse_service_roles(roles_spec)
    accounts = []
    for number, entry in enumerate(filter(None, (e.strip() for e in (spec or "").split(","))), 1):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise InvalidArgument(
                f"CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS entry {number} must be "
                "name:client_id:secret[:role+role] (none of the first three empty)",
                field="bootstrap_service_accounts",
            )
        name, client_id, secret = parts
        validate_name(name)
        roles = by_name.get(name)
        if ":" in secret:
            secret, names = secret.rsplit(":", 1)
            roles = _roles(names, f"service account {name}")
        if len(secret) < 16:
            raise InvalidArgument(
                f"service account {name}: the secret must have at least 16 characters",
                field="bootstrap_service_accounts",
            )
        accounts.append(BootstrapAccount(name, client_id, secret, roles))
    return accounts


@dataclass(frozen=True)
class BootstrapResult:
    created: list[ServiceAccount]
    roles_changed: list[ServiceAccount]


def bootstrap_service_accounts(
    deps: Dependencies, spec: str, roles_spec: str = ""
) -> BootstrapResult:
    """Create each configured service account whose client id does not exist yet, and bring an
    existing one's roles to the configured ones (when configured). The secret of an existing
    account is not replaced (rotate it with crmctl)."""
    created, changed = [], []
    for entry in parse_service_accounts(spec, roles_spec):
        with deps.uow() as uow:
            existing = uow.service_accounts.get(entry.client_id)
            if existing is not None:
                if entry.roles is not None and existing.set_roles(entry.roles):
                    uow.service_accounts.update(existing)
                    uow.commit()
                    changed.append(existing)
                continue
            account = ServiceAccount.create(
                name=entry.name,
                secret_hash=deps.hasher.hash(entry.secret),
                roles=entry.roles or (),
                now=deps.clock.now(),
                client_id=entry.client_id,
            )
            try:
                uow.service_accounts.add(account)
                uow.commit()
            except AlreadyExists:  # a concurrent start created it
                continue
        created.append(account)
    return BootstrapResult(created, changed)
