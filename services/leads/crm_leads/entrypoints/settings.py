"""leads' settings (environment CRM_LEADS_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.settings import ServiceSettings, SettingsError, setting
from crm_leads.domain.conversion import RetryPolicy

SERVICE_NAME = "leads"


@dataclass(frozen=True)
class LeadsSettings(ServiceSettings):
    grpc_port: int = setting(50054, "Port of leads' gRPC API.")
    territory_address: str = setting(
        "127.0.0.1:50052",
        "host:port of territory's gRPC API (RoutingService.ChooseOwners for "
        "the handover of a leaver's leads).",
    )
    territory_timeout_seconds: float = setting(
        5.0, "Deadline of one call to territory; the handover is retried by redelivery."
    )
    scope_staleness_seconds: float = setting(
        0.25,
        "How long a read of the local access replica may be cached (territory's "
        "user_access_changed events keep it current).",
    )
    conversion_reply_timeout_seconds: float = setting(
        120.0, "How long a conversion attempt waits for deals' answer before it is retried."
    )
    conversion_first_backoff_seconds: float = setting(
        30.0, "Pause before the first retry of a failed conversion (doubles each attempt)."
    )
    conversion_max_backoff_seconds: float = setting(
        1800.0, "Longest pause between two conversion attempts."
    )
    conversion_dispatch_seconds: float = setting(
        5.0, "How often the worker sends due conversions (new, timed out, due for retry)."
    )
    conversion_dispatch_batch: int = setting(100, "Conversions sent per dispatcher run.")
    decay_sweep_seconds: float = setting(
        3600.0, "How often the worker rescores every line's leads as engagement points decay."
    )
    reminder_scan_seconds: float = setting(
        60.0, "How often the worker looks for tasks on leads whose reminder is due."
    )
    reminder_lead_minutes: int = setting(
        30,
        "How long before a lead task's due time its owner is reminded (through deals: in the "
        "app and by e-mail), once per due time.",
    )
    rescore_batch_size: int = setting(
        500, "Leads rescored per transaction by the background rescoring (model change, decay)."
    )
    import_batch_size: int = setting(
        200, "Rows per transaction of an import (a crash loses at most the batch in flight)."
    )

    def __post_init__(self):
        for name in (
            "conversion_reply_timeout_seconds",
            "conversion_first_backoff_seconds",
            "conversion_max_backoff_seconds",
            "conversion_dispatch_seconds",
            "decay_sweep_seconds",
            "territory_timeout_seconds",
            "reminder_scan_seconds",
            "reminder_lead_minutes",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"CRM_LEADS_{name.upper()} must be positive")
        if self.conversion_max_backoff_seconds < self.conversion_first_backoff_seconds:
            raise SettingsError(
                "CRM_LEADS_CONVERSION_MAX_BACKOFF_SECONDS must be at least "
                "CRM_LEADS_CONVERSION_FIRST_BACKOFF_SECONDS"
            )
        for name in ("conversion_dispatch_batch", "rescore_batch_size", "import_batch_size"):
            if getattr(self, name) < 1:
                raise SettingsError(f"CRM_LEADS_{name.upper()} must be at least 1")

    @property
    def conversion_retry(self) -> RetryPolicy:
        return RetryPolicy(
            reply_timeout=dt.timedelta(seconds=self.conversion_reply_timeout_seconds),
            first_backoff=dt.timedelta(seconds=self.conversion_first_backoff_seconds),
            max_backoff=dt.timedelta(seconds=self.conversion_max_backoff_seconds),
        )


def load(**overrides) -> LeadsSettings:
    return LeadsSettings.load(SERVICE_NAME, **overrides)
