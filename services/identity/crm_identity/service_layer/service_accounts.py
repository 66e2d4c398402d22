"""Use cases on service accounts: create, list, change roles (all admin only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm_chassis.caller import Caller
from crm_chassis.errors import NotFound
from crm_identity.domain.service_accounts import (
    ServiceAccount,
    new_client_secret,
    validate_name,
    validate_service_roles,
)
from crm_identity.service_layer.authorization import require_admin
from crm_identity.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class CreatedServiceAccount:
    account: ServiceAccount
    client_secret: str  # shown once; only its hash is stored


def create_service_account(
    deps: Dependencies, caller: Caller | None, name: str, roles: Iterable[str] = ()
) -> CreatedServiceAccount:
    require_admin(caller)
    validate_name(name)
    validate_service_roles(roles)
    secret = new_client_secret()
    account = ServiceAccount.create(
        name=name, secret_hash=deps.hasher.hash(secret), roles=roles, now=deps.clock.now()
    )
    with deps.uow() as uow:
        uow.service_accounts.add(account)
        uow.commit()
    return CreatedServiceAccount(account, secret)


def list_service_accounts(deps: Dependencies, caller: Caller | None) -> list[ServiceAccount]:
    require_admin(caller)
    with deps.uow() as uow:
        return uow.service_accounts.list()


def set_service_account_roles(
    deps: Dependencies, caller: Caller | None, client_id: str, roles: Iterable[str]
) -> ServiceAccount:
    """Replace the roles of an account. Tokens it already holds keep their roles until they
    expire (at most 15 minutes); identity itself checks the current roles on every call."""
    require_admin(caller)
    roles = validate_service_roles(roles)
    with deps.uow() as uow:
        account = uow.service_accounts.get(client_id) if client_id else None
        if account is None:
            raise NotFound(f"no service account with client id {client_id!r}", field="client_id")
        if account.set_roles(roles):
            uow.service_accounts.update(account)
            uow.commit()
        return account
