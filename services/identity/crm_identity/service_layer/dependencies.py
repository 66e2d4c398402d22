"""Everything a use case needs besides its caller and its arguments, built once per process by an
entrypoint (entrypoints/wiring.py): the chassis' unit of work factory, clock and ids, and
identity's own ports and configuration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_chassis import use_cases
from crm_chassis.errors import InvalidArgument
from crm_identity.domain.signing_keys import MAX_ACCESS_TOKEN_TTL
from crm_identity.domain.throttling import ThrottlePolicy
from crm_identity.service_layer.ports import (
    AccessTokenIssuer,
    AttemptMonitor,
    KeyFactory,
    NoAttemptMonitor,
    PasswordHasher,
)
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork


@dataclass(frozen=True)
class AuthConfig:
    access_token_ttl_seconds: int = 600
    refresh_token_ttl_seconds: int = 43200
    refresh_family_max_seconds: int = 14 * 86400
    key_rotation_period: dt.timedelta = dt.timedelta(days=30)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)

    def __post_init__(self) -> None:
        if not 0 < self.access_token_ttl_seconds <= MAX_ACCESS_TOKEN_TTL.total_seconds():
            raise InvalidArgument(
                f"access token ttl must be 1..{int(MAX_ACCESS_TOKEN_TTL.total_seconds())} seconds, "
                f"got {self.access_token_ttl_seconds}",
                field="access_token_ttl_seconds",
            )
        if self.refresh_token_ttl_seconds <= 0 or self.refresh_family_max_seconds <= 0:
            raise InvalidArgument(
                "refresh token lifetimes must be positive", field="refresh_token_ttl_seconds"
            )
        if self.key_rotation_period <= dt.timedelta(0):
            raise InvalidArgument("key rotation period must be positive", field="key_rotation_days")


@dataclass(frozen=True, kw_only=True)
class Dependencies(use_cases.Dependencies):
    uow: Callable[[], IdentityUnitOfWork]
    hasher: PasswordHasher
    keys: KeyFactory
    tokens: AccessTokenIssuer
    config: AuthConfig = field(default_factory=AuthConfig)
    monitor: AttemptMonitor = field(default_factory=NoAttemptMonitor)
