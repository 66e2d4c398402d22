"""territory's settings (environment CRM_TERRITORY_<FIELD>, then CRM_<FIELD>, then the default)."""
from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.settings import ServiceSettings, SettingsError, setting

SERVICE_NAME = "territory"


@dataclass(frozen=True)
class TerritorySettings(ServiceSettings):
    grpc_port: int = setting(50052, "Port of territory's gRPC API.")
    directory_timeout_seconds: float = setting(
        3.0, "Timeout of a user lookup in identity's directory (the first time a person is "
        "placed in the organisation; afterwards identity's events keep territory's copy).")
    route_batch_size: int = setting(
        10, "Most lead_created deliveries the worker routes in one transaction (at most the "
        "worker's prefetch, 10: more never wait at once).")
    route_batch_wait_seconds: float = setting(
        0.005, "Longest a lead_created delivery waits for others to route with (0..1 s).")

    def __post_init__(self):
        if self.directory_timeout_seconds <= 0:
            raise SettingsError("CRM_TERRITORY_DIRECTORY_TIMEOUT_SECONDS must be positive")
        if not 1 <= self.route_batch_size <= 1000:
            raise SettingsError(f"CRM_TERRITORY_ROUTE_BATCH_SIZE must be 1..1000, got "
                                f"{self.route_batch_size}")
        if not 0 <= self.route_batch_wait_seconds <= 1:
            raise SettingsError("CRM_TERRITORY_ROUTE_BATCH_WAIT_SECONDS must be 0..1 (a lead "
                                f"waits at most this long), got {self.route_batch_wait_seconds}")


def load(**overrides) -> TerritorySettings:
    return TerritorySettings.load(SERVICE_NAME, **overrides)
