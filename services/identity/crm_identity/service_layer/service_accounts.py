"""Use cases on service accounts."""
from __future__ import annotations

from dataclasses import dataclass

from crm_identity.domain.service_accounts import ServiceAccount, new_client_secret, validate_name
from crm_identity.domain.users import validate_roles
from crm_identity.service_layer.authorization import Caller, require_admin
from crm_identity.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class CreatedServiceAccount:
    account: ServiceAccount
    client_secret: str   # shown once; only its hash is stored


def create_service_account(deps: Dependencies, caller: Caller | None, name: str, roles=()
                           ) -> CreatedServiceAccount:
    require_admin(caller)
    validate_name(name)
    validate_roles(roles)
    secret = new_client_secret()
    account = ServiceAccount.create(name=name, secret_hash=deps.hasher.hash(secret), roles=roles,
                                    now=deps.clock.now())
    with deps.uow() as uow:
        uow.service_accounts.add(account)
        uow.commit()
    return CreatedServiceAccount(account, secret)
