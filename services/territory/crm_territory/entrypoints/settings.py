"""territory's settings (environment CRM_TERRITORY_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.settings import ServiceSettings, SettingsError, setting

SERVICE_NAME = "territory"


@dataclass(frozen=True)
class TerritorySettings(ServiceSettings):
    grpc_port: int = setting(50052, "Port of territory's gRPC API.")
    directory_timeout_seconds: float = setting(
        3.0,
        "Timeout of a user lookup in identity's directory (the first time a person is "
        "placed in the organisation; afterwards identity's events keep territory's copy).",
    )

    def __post_init__(self):
        if self.directory_timeout_seconds <= 0:
            raise SettingsError("CRM_TERRITORY_DIRECTORY_TIMEOUT_SECONDS must be positive")


def load(**overrides) -> TerritorySettings:
    return TerritorySettings.load(SERVICE_NAME, **overrides)
