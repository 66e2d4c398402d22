"""Settings from environment variables, with documented defaults.

Lookup order for a field ``foo`` of service ``identity``: ``CRM_IDENTITY_FOO``, then ``CRM_FOO``,
then the default. A service extends :class:`ServiceSettings` with its own fields (a dataclass
subclass using :func:`setting`). ``python -m crm_chassis.settings identity`` prints the table of
every setting, its environment variables, default and meaning (used for docs/operations.md).
"""
from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


_PARSERS: dict[type, Callable[[str], Any]] = {str: str, int: int, float: float, bool: _parse_bool}


def setting(default: Any, doc: str, *, secret: bool = False) -> Any:
    """Declare a settings field: its default and the sentence that documents it."""
    return field(default=default, metadata={"doc": doc, "secret": secret})


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ServiceSettings:
    """Settings every service process has. Subclass to add a service's own."""

    service_name: str = setting("", "Name of the service (set by the service, not by the environment).")
    data_dir: str = setting("data", "Folder for embedded SQLite databases and local state.")
    database_url: str = setting(
        "", "SQLAlchemy URL of the service's own database. Empty: sqlite file <data_dir>/<service>.db.")
    amqp_url: str = setting("amqp://guest:guest@127.0.0.1:5672/%2F", "RabbitMQ URL (events).",
                            secret=True)
    grpc_host: str = setting("127.0.0.1", "Address the gRPC API binds to.")
    grpc_port: int = setting(0, "Port of the gRPC API (each service sets its own default).")
    grpc_max_workers: int = setting(16, "Threads serving gRPC calls.")
    metrics_port: int = setting(0, "Port of this process's Prometheus /metrics endpoint; 0 = none.")
    metrics_host: str = setting("127.0.0.1", "Address /metrics binds to (0.0.0.0 in Kubernetes).")
    log_level: str = setting("INFO", "Log level (DEBUG, INFO, WARNING, ERROR).")
    log_format: str = setting("json", "json (one JSON object a line) or console (for people).")
    shutdown_grace_seconds: float = setting(5.0, "Seconds in-flight calls get to finish on SIGTERM.")
    jwt_issuer: str = setting("crm-identity", "Expected `iss` of access tokens.")
    jwt_audience: str = setting("crm", "Expected `aud` of access tokens.")
    jwt_algorithm: str = setting("EdDSA", "The one signature algorithm accepted (RFC 8725).")
    identity_address: str = setting("127.0.0.1:50051", "host:port of identity's gRPC API (keys).")
    jwks_refresh_seconds: float = setting(300.0, "How often published signing keys are re-read.")
    outbox_batch_size: int = setting(500, "Outbox rows the relay publishes per confirmed batch.")
    outbox_poll_seconds: float = setting(0.05, "Relay pause when the outbox is empty.")
    outbox_max_attempts: int = setting(
        10, "Failed publishes of one outbox row before the relay quarantines it.")
    retention_days: float = setting(
        7.0, "Age after which sent outbox rows and inbox rows are deleted (longer than any "
        "redelivery).")
    retention_batch_size: int = setting(500, "Rows deleted per retention statement.")
    retention_interval_seconds: float = setting(300.0, "How often the relay prunes old rows.")
    health_check_seconds: float = setting(
        5.0, "How often the api pings its database to answer gRPC health.")
    event_max_deliveries: int = setting(5, "Deliveries of an event before it is dead-lettered.")
    service_client_id: str = setting("", "Client id of this service's service account.")
    service_client_secret: str = setting("", "Client secret of this service's service account.",
                                         secret=True)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, service_name: str, env: Mapping[str, str] | None = None, **overrides: Any):
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        prefix = f"CRM_{service_name.upper()}_"
        for f in fields(cls):
            if f.name == "service_name":
                continue
            if f.name in overrides:
                values[f.name] = overrides[f.name]
                continue
            default = f.default if f.default is not dataclasses.MISSING else None
            raw = env.get(prefix + f.name.upper(), env.get("CRM_" + f.name.upper()))
            if raw is None:
                values[f.name] = default
                continue
            kind = type(default) if default is not None else str
            try:
                values[f.name] = _PARSERS.get(kind, str)(raw)
            except ValueError as exc:
                raise SettingsError(
                    f"environment variable {prefix + f.name.upper()} / CRM_{f.name.upper()}: {exc}"
                ) from None
        instance = cls(service_name=service_name, **values)
        if not instance.database_url:
            path = os.path.abspath(os.path.join(instance.data_dir, f"{service_name}.db"))
            instance = dataclasses.replace(instance, database_url=f"sqlite:///{path}")
        return instance

    @property
    def grpc_bind(self) -> str:
        return f"{self.grpc_host}:{self.grpc_port}"

    @property
    def events_exchange(self) -> str:
        return f"{self.service_name}.events"

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with secrets hidden, for the startup log line."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") and value else value
        if "://" in str(out.get("database_url", "")) and "@" in out["database_url"]:
            scheme, rest = out["database_url"].split("://", 1)
            out["database_url"] = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return out


def describe(cls: type[ServiceSettings], service_name: str) -> str:
    """A Markdown table of every setting of ``cls`` for ``service_name``."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in fields(cls):
        if f.name == "service_name":
            continue
        rows.append(f"| `CRM_{service_name.upper()}_{f.name.upper()}` (or `CRM_{f.name.upper()}`) "
                    f"| `{f.default}` | {f.metadata.get('doc', '')} |")
    return "\n".join(rows)


def describe_own(cls: type[ServiceSettings], service_name: str) -> str:
    """The table of the fields ``cls`` adds or re-defaults (the service's own settings)."""
    base = {f.name: f.default for f in fields(ServiceSettings)}
    own = [f for f in fields(cls) if f.name != "service_name"
           and (f.name not in base or base[f.name] != f.default)]
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in own:
        secret = " (secret)" if f.metadata.get("secret") else ""
        rows.append(f"| `CRM_{service_name.upper()}_{f.name.upper()}` (or `CRM_{f.name.upper()}`) "
                    f"| `{f.default}` | {f.metadata.get('doc', '')}{secret} |")
    return "\n".join(rows)


def settings_class_of(service_name: str) -> type[ServiceSettings]:
    """The settings class a service declares in ``<package>.entrypoints.settings``."""
    import importlib
    import inspect

    from crm_chassis import manifest

    module = importlib.import_module(f"{manifest.find(service_name).package}.entrypoints.settings")
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, ServiceSettings) and c is not ServiceSettings]
    if len(found) != 1:
        raise LookupError(f"{module.__name__} declares {len(found)} settings classes, not one")
    return found[0]


if __name__ == "__main__":  # pragma: no cover
    # `python -m crm_chassis.settings` : the settings every service has;
    # `python -m crm_chassis.settings leads` : leads' own settings.
    # Through the imported module: as __main__ this file's classes are copies, and the services'
    # settings classes subclass the imported ones.
    from crm_chassis import settings as imported

    if len(sys.argv) > 1:
        print(imported.describe_own(imported.settings_class_of(sys.argv[1]), sys.argv[1]))
    else:
        print(imported.describe(imported.ServiceSettings, "service"))
