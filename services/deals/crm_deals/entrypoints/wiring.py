"""Builds deals' use-case dependencies from settings: ``build_dependencies`` for the api (and
the tests), ``build_worker_dependencies`` for the worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from crm_chassis.db import make_service_engine, make_session_factory
from crm_deals.adapters.automation_delivery import AutomationDelivery
from crm_deals.adapters.remote_services import RemoteServices
from crm_deals.adapters.scope_access import ReplicaScopes
from crm_deals.adapters.secret_box import SecretBox, parse_key
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.unit_of_work import SqlDealsUnitOfWork
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.entrypoints.settings import DealsSettings
from crm_deals.service_layer.dependencies import Dependencies


def build_dependencies(
    settings: DealsSettings, *, engine: Engine | None = None, **overrides: Any
) -> Dependencies:
    """The real adapters, unless a field of Dependencies is passed in ``overrides`` (tests pass
    fakes of catalog and territory when they do not run those services, a fixed clock, ...;
    with both ``pricing`` and ``handover`` passed, no channel is opened and a sales line deals
    has no copy of is not asked of territory unless ``sales_lines`` is passed too).
    ``close()`` closes what was opened here; an ``engine`` passed in stays the caller's."""
    closers: list[Callable[[], None]] = []
    if engine is None:
        engine = make_service_engine(settings)
        closers.append(engine.dispose)
    session_factory = make_session_factory(engine)
    if "scopes" not in overrides or "teams" not in overrides:
        replica_ports = ReplicaScopes.on(engine, settings.scope_max_staleness_seconds)
        overrides.setdefault("scopes", replica_ports)
        overrides.setdefault("teams", replica_ports)
    if "pricing" not in overrides or "handover" not in overrides:
        remote = RemoteServices(settings)
        closers.append(remote.close)
        overrides.setdefault("pricing", remote.pricing())
        overrides.setdefault("handover", remote.handover())
        overrides.setdefault("sales_lines", remote.sales_lines())
    key = parse_key(settings.webhook_secret_key)
    secrets = SecretBox(key) if key else None
    return Dependencies(
        uow=lambda: SqlDealsUnitOfWork(session_factory, secrets),
        closers=tuple(closers),
        **overrides,
    )


@dataclass(frozen=True, kw_only=True)
class WorkerDependencies(Dependencies):
    """The worker's: the use cases' dependencies, the sender of automation deliveries, and the
    settings its handlers and timers read."""

    settings: DealsSettings
    delivery: AutomationDelivery


def build_worker_dependencies(settings: DealsSettings, **overrides: Any) -> WorkerDependencies:
    deps = build_dependencies(settings, **overrides)
    s = settings
    mailer = SmtpMailer(
        s.smtp_host,
        s.smtp_port,
        sender=s.smtp_from,
        timeout_seconds=s.smtp_timeout_seconds,
        starttls=s.smtp_starttls,
        username=s.smtp_username,
        password=s.smtp_password,
    )
    webhooks = WebhookSender(
        timeout_seconds=s.webhook_timeout_seconds,
        allow_private_addresses=s.webhook_allow_private_addresses,
    )
    # A lease outlives the slowest attempt, so a crashed sender's delivery is tried again once
    # its lease expires.
    lease = 2 * max(s.smtp_timeout_seconds, s.webhook_timeout_seconds) + 30
    fields = {f.name: getattr(deps, f.name) for f in dataclasses.fields(deps)}
    return WorkerDependencies(
        **fields,
        settings=settings,
        delivery=AutomationDelivery(deps, mailer, webhooks, lease_seconds=lease),
    )
