"""First start: create the first administrator when there is none, and the service accounts the
deployment names with their secrets (both idempotent)."""
from __future__ import annotations

from crm_chassis.errors import AlreadyExists, InvalidArgument

from crm_identity.domain.service_accounts import ServiceAccount, validate_name
from crm_identity.domain.users import User
from crm_identity.service_layer import users
from crm_identity.service_layer.authorization import Caller
from crm_identity.service_layer.dependencies import Dependencies

COMPONENT = "identity.bootstrap"


def bootstrap_admin(deps: Dependencies, *, email: str, password: str, display_name: str = ""
                    ) -> User | None:
    """Create an admin from the given credentials unless an active admin already exists.

    Returns the new user, or None when nothing had to be done. Running it on every start is
    safe: with an admin present (or the e-mail taken by a concurrent start) it does nothing.
    """
    if not email or not password:
        raise InvalidArgument("bootstrap admin needs CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL and "
                              "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD",
                              field="bootstrap_admin_email")
    with deps.uow() as uow:
        if uow.users.any_admin():
            return None
    try:
        return users.create_user(deps, Caller.system(COMPONENT), email=email,
                                 display_name=display_name or "Administrator", password=password,
                                 departments=(), roles=("admin",))
    except AlreadyExists:
        return None


def parse_service_accounts(spec: str) -> list[tuple[str, str, str]]:
    """``"name:client_id:secret,..."`` -> [(name, client_id, secret)], with errors naming the entry.

    The deployment chooses client ids and secrets (local runs: fixed local-only values; Kubernetes:
    a Secret), so that the calling service's settings and identity agree without a manual step.
    """
    accounts = []
    for number, entry in enumerate(filter(None, (e.strip() for e in (spec or "").split(","))), 1):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise InvalidArgument(
                f"CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS entry {number} must be "
                "name:client_id:secret (none empty)", field="bootstrap_service_accounts")
        name, client_id, secret = parts
        validate_name(name)
        if len(secret) < 16:
            raise InvalidArgument(f"service account {name}: the secret must have at least 16 "
                                  "characters", field="bootstrap_service_accounts")
        accounts.append((name, client_id, secret))
    return accounts


def bootstrap_service_accounts(deps: Dependencies, spec: str) -> list[ServiceAccount]:
    """Create each configured service account whose client id does not exist yet; returns those
    created. An existing account is left as it is (its secret is not replaced: rotate it with
    crmctl)."""
    created = []
    for name, client_id, secret in parse_service_accounts(spec):
        with deps.uow() as uow:
            if uow.service_accounts.get(client_id) is not None:
                continue
            account = ServiceAccount.create(name=name, secret_hash=deps.hasher.hash(secret),
                                            now=deps.clock.now(), client_id=client_id)
            try:
                uow.service_accounts.add(account)
                uow.commit()
            except AlreadyExists:   # a concurrent start created it
                continue
        created.append(account)
    return created
