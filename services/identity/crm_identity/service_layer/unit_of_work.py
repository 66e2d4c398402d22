"""identity's unit of work: one transaction over its repositories and its outbox."""

from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_identity.service_layer.repositories import (
    FailedAttemptRepository,
    RefreshTokenRepository,
    ServiceAccountRepository,
    SigningKeyRepository,
    UserRepository,
)


class IdentityUnitOfWork(AbstractUnitOfWork):
    users: UserRepository
    sessions: RefreshTokenRepository
    failed_attempts: FailedAttemptRepository
    service_accounts: ServiceAccountRepository
    signing_keys: SigningKeyRepository
