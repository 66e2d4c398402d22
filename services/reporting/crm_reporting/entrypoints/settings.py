"""reporting's settings (environment CRM_REPORTING_<FIELD>, then CRM_<FIELD>, then the
default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_chassis.settings import ServiceSettings, SettingsError, setting

SERVICE_NAME = "reporting"


@dataclass(frozen=True)
class ReportingSettings(ServiceSettings):
    grpc_port: int = setting(50056, "Port of reporting's gRPC API.")
    scope_max_staleness_seconds: float = setting(
        0.25, "How long a user's scopes read from the local replica are cached in a process."
    )
    business_metrics_seconds: float = setting(
        30.0,
        "How often the worker refreshes the company-level business gauges (open pipeline, "
        "deals won this month, per sales line).",
    )

    def __post_init__(self) -> None:
        if not 0 <= self.scope_max_staleness_seconds <= 1:
            raise SettingsError(
                "CRM_REPORTING_SCOPE_MAX_STALENESS_SECONDS must be within 0..1 (revocation is "
                "promised within one second)"
            )
        if self.business_metrics_seconds <= 0:
            raise SettingsError("CRM_REPORTING_BUSINESS_METRICS_SECONDS must be positive")


def load(**overrides: Any) -> ReportingSettings:
    return ReportingSettings.load(SERVICE_NAME, **overrides)
