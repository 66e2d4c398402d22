"""Builds the use cases' dependencies from settings, once per process (the api and the worker),
and the api's additions: what its servicers, its token verifier and its per-call check share."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from crm_chassis.clock import SystemClock
from crm_chassis.db import make_service_engine, make_session_factory
from crm_chassis.ids import UuidIds
from crm_identity.adapters.argon2_hasher import Argon2Hasher
from crm_identity.adapters.client_address import ClientAddressResolver
from crm_identity.adapters.key_wrapping import key_wrapper
from crm_identity.adapters.metrics import PrometheusAttemptMonitor
from crm_identity.adapters.signing import (
    Ed25519KeyFactory,
    JwtAccessTokenIssuer,
    PublishedKeysCache,
)
from crm_identity.adapters.token_check_cache import RecentTokenChecks
from crm_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.service_layer import signing_keys
from crm_identity.service_layer.dependencies import AuthConfig, Dependencies
from crm_identity.service_layer.ports import PasswordHasher


def auth_config(settings: IdentitySettings) -> AuthConfig:
    return AuthConfig(
        access_token_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_token_ttl_seconds=settings.refresh_token_ttl_seconds,
        refresh_family_max_seconds=settings.refresh_family_max_seconds,
        key_rotation_period=settings.key_rotation_period,
    )


def build_dependencies(
    settings: IdentitySettings,
    *,
    engine: Engine | None = None,
    hasher: PasswordHasher | None = None,
    **overrides: Any,
) -> Dependencies:
    """The production dependencies. An ``engine`` passed in stays the caller's to close;
    ``overrides`` replace any other field (``clock``, ``ids``, ...)."""
    closers = []
    if engine is None:
        engine = make_service_engine(settings)
        closers.append(engine.dispose)
    session_factory = make_session_factory(engine)
    wrapper = key_wrapper(settings.key_encryption_key, settings.key_encryption_key_previous)
    fields: dict[str, Any] = dict(
        uow=lambda: SqlIdentityUnitOfWork(session_factory, wrapper),
        hasher=hasher
        or Argon2Hasher(
            settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
        ),
        clock=SystemClock(),
        ids=UuidIds(),
        keys=Ed25519KeyFactory(),
        tokens=JwtAccessTokenIssuer(
            settings.jwt_issuer, settings.jwt_audience, settings.jwt_algorithm
        ),
        config=auth_config(settings),
        monitor=PrometheusAttemptMonitor(),
        closers=tuple(closers),
    )
    fields.update(overrides)
    return Dependencies(**fields)


@dataclass(frozen=True, kw_only=True)
class ApiDependencies(Dependencies):
    """The use cases' dependencies plus what the api's servicers, its verifier and its per-call
    check share in one process: the cache of recently accepted tokens (cleared by every call
    that revokes tokens), the client address resolver and the published signing keys."""

    recent_checks: RecentTokenChecks
    client_address: ClientAddressResolver
    published_keys: PublishedKeysCache


def for_api(settings: IdentitySettings, deps: Dependencies) -> ApiDependencies:
    """``deps`` with the api's additions (built here: none of them opens anything)."""
    if isinstance(deps, ApiDependencies):
        return deps
    fields = {field.name: getattr(deps, field.name) for field in dataclasses.fields(deps)}
    return ApiDependencies(
        **fields,
        recent_checks=RecentTokenChecks(settings.token_check_cache_seconds),
        client_address=ClientAddressResolver(settings.trusted_proxies),
        published_keys=PublishedKeysCache(
            lambda: signing_keys.published_key_set(deps), settings.published_keys_max_age_seconds
        ),
    )


def build_api_dependencies(settings: IdentitySettings) -> ApiDependencies:
    return for_api(settings, build_dependencies(settings))
