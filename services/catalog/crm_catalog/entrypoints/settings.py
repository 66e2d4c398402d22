"""catalog's settings (environment CRM_CATALOG_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.settings import ServiceSettings, SettingsError, setting

SERVICE_NAME = "catalog"


@dataclass(frozen=True)
class CatalogSettings(ServiceSettings):
    grpc_port: int = setting(50053, "Port of catalog's gRPC API.")
    revision_cache_entries: int = setting(
        50000,
        "Size of each of the api process's two PriceQuote caches: parsed catalog "
        "revisions, and unit prices per (product, unit, price list) version; 0 = no caches.",
    )

    def __post_init__(self):
        if self.revision_cache_entries < 0:
            raise SettingsError(
                "CRM_CATALOG_REVISION_CACHE_ENTRIES must be 0 or more "
                f"(got {self.revision_cache_entries})"
            )


def load(**overrides) -> CatalogSettings:
    return CatalogSettings.load(SERVICE_NAME, **overrides)
