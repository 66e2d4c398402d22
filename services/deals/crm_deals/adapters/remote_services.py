"""Channels to catalog and territory with deals' service token, opened lazily.

The token comes from identity (client credentials); it is fetched at the first remote call, so
the api and worker start (and serve everything that needs no remote call) before identity is up
or when no service account is configured yet (the call then answers UNAVAILABLE saying so).
"""

from __future__ import annotations

import threading

import grpc

from crm_chassis.errors import Unavailable
from crm_chassis.grpc.client import ServiceTokenProvider, make_channel
from crm_chassis.settings import ServiceSettings
from crm_deals.adapters.catalog_client import CatalogPricing
from crm_deals.adapters.territory_client import TerritoryHandover, TerritorySalesLines


class LazyServiceToken:
    def __init__(self, settings: ServiceSettings):
        self._settings = settings
        self._lock = threading.Lock()
        self._provider: ServiceTokenProvider | None = None

    def token(self) -> str:
        with self._lock:
            if self._provider is None:
                s = self._settings
                if not s.service_client_id or not s.service_client_secret:
                    raise Unavailable(
                        "deals has no service account configured "
                        "(CRM_DEALS_SERVICE_CLIENT_ID / _SECRET); it cannot call "
                        "catalog or territory"
                    )
                self._provider = ServiceTokenProvider(
                    s.identity_address, s.service_client_id, s.service_client_secret
                )
            provider = self._provider
        return provider.token()

    def close(self) -> None:
        if self._provider is not None:
            self._provider.close()


class RemoteServices:
    """``settings``: deals' settings (catalog_address, territory_address,
    remote_call_timeout_seconds besides the chassis' identity and service account fields)."""

    def __init__(self, settings: ServiceSettings):
        self._settings = settings
        self._token = LazyServiceToken(settings)
        self._channels: list[grpc.Channel] = []

    def _channel(self, address: str) -> grpc.Channel:
        channel = make_channel(address, self._token)
        self._channels.append(channel)
        return channel

    def pricing(self) -> CatalogPricing:
        return CatalogPricing(
            self._channel(self._settings.catalog_address),
            self._settings.remote_call_timeout_seconds,
        )

    def handover(self) -> TerritoryHandover:
        return TerritoryHandover(
            self._channel(self._settings.territory_address),
            self._settings.remote_call_timeout_seconds,
        )

    def sales_lines(self) -> TerritorySalesLines:
        return TerritorySalesLines(
            self._channel(self._settings.territory_address),
            self._settings.remote_call_timeout_seconds,
        )

    def close(self) -> None:
        for channel in self._channels:
            channel.close()
        self._token.close()
