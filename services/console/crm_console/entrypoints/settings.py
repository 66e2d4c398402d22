"""console's settings (environment CRM_CONSOLE_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass

from crm_chassis.settings import ServiceSettings, SettingsError, setting

SERVICE_NAME = "console"
LANGUAGES = ("en", "fa", "he")


@dataclass(frozen=True)
class ConsoleSettings(ServiceSettings):
    http_host: str = setting("127.0.0.1", "Address the console's web server binds to.")
    http_port: int = setting(8460, "Port of the console's web server (HTTP).")
    session_key: str = setting(
        "",
        "Key that encrypts and authenticates the session cookie (32 url-safe base64 bytes, "
        "`python -c 'import cryptography.fernet as f; print(f.Fernet.generate_key().decode())'`). "
        "Empty: a key made at start (local and test runs only; sessions end with the process).",
        secret=True,
    )
    secure_cookies: bool = setting(
        True,
        "Mark cookies Secure (sent over HTTPS only). Local runs (CRM_ENV=local) always send "
        "them without it, so http://127.0.0.1 works.",
    )
    session_max_age_seconds: int = setting(
        12 * 3600, "Lifetime of the session cookie (the refresh token's own lifetime caps it)."
    )
    default_language: str = setting("en", "Language of a person who chose none: en, fa or he.")
    leads_address: str = setting("127.0.0.1:50054", "host:port of leads' gRPC API.")
    deals_address: str = setting("127.0.0.1:50055", "host:port of deals' gRPC API.")
    catalog_address: str = setting("127.0.0.1:50053", "host:port of catalog's gRPC API.")
    territory_address: str = setting("127.0.0.1:50052", "host:port of territory's gRPC API.")
    reporting_address: str = setting(
        "127.0.0.1:50056", "host:port of reporting's gRPC API (the dashboards)."
    )
    call_timeout_seconds: float = setting(
        10.0, "Deadline of one call to a service while a page is built."
    )
    time_zone: str = setting(
        "UTC",
        "IANA time zone (e.g. Asia/Tehran) of a person who chose none on the settings page: my "
        "day's today and overdue, and the dates and times shown.",
    )

    def __post_init__(self) -> None:
        if self.default_language not in LANGUAGES:
            raise SettingsError(
                f"{self.variable('default_language')} must be one of {', '.join(LANGUAGES)}"
            )
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise SettingsError(
                f"{self.variable('time_zone')} {self.time_zone!r} is not an IANA time zone "
                "(e.g. Europe/Berlin)"
            ) from None
        if self.call_timeout_seconds <= 0:
            raise SettingsError(f"{self.variable('call_timeout_seconds')} must be positive")

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies and self.environment != "local"

    def startup_problems(self, process: str) -> list[str]:
        # The console keeps no data: no database URL is needed, a session key is.
        if self.session_key or self.local_fallbacks_allowed:
            return []
        return [
            f"{self.variable('session_key')} is not set: the key that encrypts the session "
            "cookie (every replica needs the same one)"
        ]


def load() -> ConsoleSettings:
    return ConsoleSettings.load(SERVICE_NAME, os.environ)
