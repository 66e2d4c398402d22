"""Builds the use cases' dependencies from settings (shared by the api and the worker)."""
from __future__ import annotations

import datetime as dt

from crm_chassis.db import make_engine, make_session_factory

from crm_identity.adapters.argon2_hasher import Argon2Hasher
from crm_identity.adapters.key_wrapping import key_wrapper
from crm_identity.adapters.metrics import PrometheusAttemptMonitor
from crm_identity.adapters.signing import Ed25519KeyFactory, JwtAccessTokenIssuer
from crm_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.service_layer.dependencies import AuthConfig, Dependencies


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


def auth_config(settings: IdentitySettings) -> AuthConfig:
    return AuthConfig(access_token_ttl_seconds=settings.access_token_ttl_seconds,
                      refresh_token_ttl_seconds=settings.refresh_token_ttl_seconds,
                      refresh_family_max_seconds=settings.refresh_family_max_seconds,
                      key_rotation_period=settings.key_rotation_period)


def build_dependencies(settings: IdentitySettings, *, engine=None, hasher=None) -> Dependencies:
    engine = engine if engine is not None else make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    wrapper = key_wrapper(settings.key_encryption_key, settings.key_encryption_key_previous)
    return Dependencies(
        uow=lambda: SqlIdentityUnitOfWork(session_factory, wrapper),
        hasher=hasher or Argon2Hasher(settings.argon2_memory_kib, settings.argon2_time_cost,
                                      settings.argon2_parallelism),
        clock=SystemClock(),
        keys=Ed25519KeyFactory(),
        tokens=JwtAccessTokenIssuer(settings.jwt_issuer, settings.jwt_audience,
                                    settings.jwt_algorithm),
        config=auth_config(settings),
        monitor=PrometheusAttemptMonitor())
