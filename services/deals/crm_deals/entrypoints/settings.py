"""deals' settings (environment CRM_DEALS_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.settings import PRODUCTION, ServiceSettings, SettingsError, setting
from crm_deals.adapters.secret_box import parse_key

SERVICE_NAME = "deals"


@dataclass(frozen=True)
class DealsSettings(ServiceSettings):
    grpc_port: int = setting(50055, "Port of deals' gRPC API.")
    catalog_address: str = setting(
        "127.0.0.1:50053", "host:port of catalog's gRPC API (PricingService.PriceQuote)."
    )
    territory_address: str = setting(
        "127.0.0.1:50052", "host:port of territory's gRPC API (RoutingService.ChooseOwners)."
    )
    remote_call_timeout_seconds: float = setting(
        5.0, "Deadline of a call to catalog or territory (then the use case answers UNAVAILABLE)."
    )
    scope_max_staleness_seconds: float = setting(
        0.25, "How long a user's scopes read from the local replica are cached in a process."
    )
    smtp_host: str = setting("127.0.0.1", "SMTP server automation e-mails are sent through.")
    smtp_port: int = setting(25, "Port of the SMTP server.")
    smtp_starttls: bool = setting(False, "Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str = setting("", "SMTP user name (empty = no authentication).")
    smtp_password: str = setting("", "SMTP password.", secret=True)
    smtp_from: str = setting("crm-automations@localhost", "Sender address of automation e-mails.")
    smtp_timeout_seconds: float = setting(10.0, "Socket timeout of one SMTP conversation.")
    webhook_secret_key: str = setting(
        "",
        "base64 of 32 random bytes: the AES-256-GCM key that seals webhook signing secrets "
        "in the database (required in production: an api or worker without it refuses to start; "
        "empty in local and test runs: stored in clear).",
        secret=True,
    )
    webhook_timeout_seconds: float = setting(10.0, "Timeout of one webhook POST.")
    webhook_allow_private_addresses: bool = setting(
        False,
        "Allow webhook URLs that resolve to loopback/private/link-local addresses "
        "(off in production against SSRF; on for local runs and tests).",
    )
    delivery_poll_seconds: float = setting(
        1.0,
        "How often the worker sends the automation deliveries that are due (new ones, "
        "and failed ones whose backoff has passed).",
    )
    delivery_batch_size: int = setting(100, "Most deliveries the worker attempts per poll.")
    stalled_scan_seconds: float = setting(
        3600.0, "How often the worker scans open deals for stalled-deal automations."
    )
    churn_rule_seconds: float = setting(
        86400.0, "How often the worker applies the churn rule to customers."
    )
    default_conversion_currency: str = setting(
        "EUR", "Currency of a deal converted from a lead that names no amount."
    )
    reminder_scan_seconds: float = setting(
        60.0, "How often the worker looks for tasks whose reminder is due."
    )
    reminder_lead_minutes: int = setting(
        30,
        "How long before a task's due time its owner is reminded (in the app and by e-mail), "
        "once per due time.",
    )

    def __post_init__(self):
        for name in (
            "remote_call_timeout_seconds",
            "smtp_timeout_seconds",
            "webhook_timeout_seconds",
            "delivery_poll_seconds",
            "stalled_scan_seconds",
            "churn_rule_seconds",
            "reminder_scan_seconds",
            "reminder_lead_minutes",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(
                    f"CRM_DEALS_{name.upper()} must be positive (got {getattr(self, name)})"
                )
        if not 0 < self.smtp_port < 65536:
            raise SettingsError(f"CRM_DEALS_SMTP_PORT must be 1..65535 (got {self.smtp_port})")
        try:
            parse_key(self.webhook_secret_key)
        except ValueError as exc:
            raise SettingsError(
                f"CRM_DEALS_WEBHOOK_SECRET_KEY {exc} (make one with: python -c "
                '"import base64,os; print(base64.b64encode(os.urandom(32))'
                '.decode())")'
            ) from None
        if len(self.default_conversion_currency) != 3:
            raise SettingsError("CRM_DEALS_DEFAULT_CONVERSION_CURRENCY must be an ISO 4217 code")

    def startup_problems(self, process: str) -> list[str]:
        problems = super().startup_problems(process)
        if (
            self.environment == PRODUCTION
            and process in ("api", "worker")
            and not self.webhook_secret_key
        ):
            problems.append(
                f"{self.variable('webhook_secret_key')} is not set: webhook signing secrets would "
                'be stored in clear (make a key with: python -c "import base64,os; '
                'print(base64.b64encode(os.urandom(32)).decode())")'
            )
        return problems


def load(**overrides) -> DealsSettings:
    return DealsSettings.load(SERVICE_NAME, **overrides)
