"""Settings from environment variables, with documented defaults.

Lookup order for a field ``foo`` of service ``identity``: ``CRM_IDENTITY_FOO``, then ``CRM_FOO``,
then the default (a field declared with ``env=`` has that one variable instead, e.g. ``CRM_ENV``).
A service extends :class:`ServiceSettings` with its own fields (a dataclass
subclass using :func:`setting`). ``python -m crm_chassis.settings identity`` prints the table of
every setting, its environment variables, default and meaning (used for docs/operations.md).

Production safety: ``environment`` (``CRM_ENV``: local, test or production, default production)
says whether local fallbacks are allowed. Only local and test runs get a SQLite file when no
database URL is set. Every process main calls :func:`check_startup` right after loading its
settings: outside local runs a missing or unsafe setting stops the process before it does any
work, with a message naming the variable to provide. A service adds its own checks by extending
:meth:`ServiceSettings.startup_problems`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


_PARSERS: dict[type, Callable[[str], Any]] = {str: str, int: int, float: float, bool: _parse_bool}


def setting(default: Any, doc: str, *, secret: bool = False, env: str | None = None) -> Any:
    """Declare a settings field: its default and the sentence that documents it. ``env`` names
    the one variable it is read from (instead of ``CRM_<SERVICE>_<FIELD>`` / ``CRM_<FIELD>``)."""
    return field(default=default, metadata={"doc": doc, "secret": secret, "env": env})


class SettingsError(ValueError):
    pass


LOCAL, TEST, PRODUCTION = "local", "test", "production"
ENVIRONMENTS = (LOCAL, TEST, PRODUCTION)

# Local runs only: the first administrator identity creates when none is configured. Printed in
# the startup table and documented in docs/operations.md; never use it outside a developer's
# machine (deploy/ reads the password from a Kubernetes Secret instead).
LOCAL_ADMIN_EMAIL = "admin@crm.local"
LOCAL_ADMIN_PASSWORD = "local-dev-admin-only"
PROCESS_KINDS = ("api", "worker", "relay", "web")


class StartupRefused(SystemExit):
    """A process refuses to start: the settings named in the message must be provided.
    A SystemExit, so the message goes to stderr and the process exits with status 1."""

    def __init__(self, service: str, process: str, environment: str, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"crm {service} {process}: refusing to start (CRM_ENV={environment}); "
            f"provide these settings:\n{lines}"
        )


@dataclass(frozen=True)
class ServiceSettings:
    """Settings every service process has. Subclass to add a service's own."""

    service_name: str = setting(
        "", "Name of the service (set by the service, not by the environment)."
    )
    environment: str = setting(
        PRODUCTION,
        "Where the process runs: local (make run), test (automated tests) or "
        "production (anything else). Outside local and test a missing database URL or secret "
        "stops the process at start, naming the variable to set.",
        env="CRM_ENV",
    )
    data_dir: str = setting("data", "Folder for embedded SQLite databases and local state.")
    database_url: str = setting(
        "",
        "SQLAlchemy URL of the service's own database. Empty: sqlite file "
        "<data_dir>/<service>.db in local and test runs; required in production.",
    )
    database_pool_size: int = setting(
        10,
        "PostgreSQL connections a process keeps open between calls (SQLite: unused). Every "
        "process of every service has its own pool, so the sum over processes must stay under "
        "the server's max_connections.",
    )
    database_max_overflow: int = setting(
        10,
        "Connections a process may open beyond database_pool_size during a burst; they are "
        "closed when returned. A call that finds all of them busy waits for one.",
    )
    amqp_url: str = setting(
        "amqp://guest:guest@127.0.0.1:5672/%2F",
        "RabbitMQ URL (events), as the service's own broker user (make run "
        "and deploy/ set it per service).",
        secret=True,
    )
    grpc_host: str = setting("127.0.0.1", "Address the gRPC API binds to.")
    grpc_port: int = setting(0, "Port of the gRPC API (each service sets its own default).")
    grpc_max_workers: int = setting(16, "Threads serving gRPC calls.")
    grpc_max_concurrent_rpcs: int = setting(
        64,
        "Calls a gRPC API accepts at once (running or waiting for a thread; at least "
        "grpc_max_workers); one more answers RESOURCE_EXHAUSTED at once instead of queueing.",
    )
    grpc_max_concurrent_streams: int = setting(
        4,
        "Client-streaming calls (imports) running at once; one more answers "
        "RESOURCE_EXHAUSTED. At most grpc_max_workers - 1, so unary calls always get a thread.",
    )
    grpc_stream_idle_seconds: float = setting(
        30.0,
        "A client stream that sends no message for this long is ended (DEADLINE_EXCEEDED) "
        "and its thread freed.",
    )
    grpc_unary_deadline_seconds: float = setting(
        30.0,
        "Server-side limit of a unary call: its deadline when the client sends none or a "
        "later one (handlers see it in context.time_remaining()).",
    )
    grpc_stream_deadline_seconds: float = setting(
        900.0,
        "Server-side limit of a streaming call (imports, server streams), applied like "
        "grpc_unary_deadline_seconds; a service may set its own per method.",
    )
    grpc_max_list_items: int = setting(
        1000,
        "Most items of any list or map in one request, nested ones included; more answers "
        "INVALID_ARGUMENT naming the field (a service may allow more for a named batch field).",
    )
    grpc_max_message_bytes: int = setting(
        4 * 1024 * 1024,
        "Largest request message a gRPC API accepts, in bytes (larger: RESOURCE_EXHAUSTED).",
    )
    metrics_port: int = setting(0, "Port of this process's Prometheus /metrics endpoint; 0 = none.")
    metrics_host: str = setting("127.0.0.1", "Address /metrics binds to (0.0.0.0 in Kubernetes).")
    log_level: str = setting("INFO", "Log level (DEBUG, INFO, WARNING, ERROR).")
    log_format: str = setting("json", "json (one JSON object a line) or console (for people).")
    shutdown_grace_seconds: float = setting(
        5.0, "Seconds in-flight calls get to finish on SIGTERM."
    )
    jwt_issuer: str = setting("crm-identity", "Expected `iss` of access tokens.")
    jwt_audience: str = setting("crm", "Expected `aud` of access tokens.")
    jwt_algorithm: str = setting(
        "EdDSA",
        "The one signature algorithm accepted (RFC 8725); "
        "only EdDSA: any other value stops the process at start.",
    )
    access_token_max_ttl_seconds: int = setting(
        900,
        "Longest access-token lifetime (exp - iat) a verifier accepts; identity's "
        "access_token_ttl_seconds must not exceed it.",
    )
    identity_address: str = setting("127.0.0.1:50051", "host:port of identity's gRPC API (keys).")
    jwks_refresh_seconds: float = setting(
        0.5,
        "How often a verifier asks identity whether its published signing keys changed "
        "(answered from identity's memory; a withdrawn key stops verifying within about this "
        "plus 0.25 s).",
    )
    outbox_batch_size: int = setting(500, "Outbox rows the relay publishes per confirmed batch.")
    outbox_poll_seconds: float = setting(0.05, "Relay pause when the outbox is empty.")
    outbox_max_attempts: int = setting(
        10, "Failed publishes of one outbox row before the relay quarantines it."
    )
    retention_days: float = setting(
        7.0,
        "Age after which sent outbox rows and inbox rows are deleted (longer than any redelivery).",
    )
    retention_batch_size: int = setting(500, "Rows deleted per retention statement.")
    retention_interval_seconds: float = setting(300.0, "How often the relay prunes old rows.")
    health_check_seconds: float = setting(
        5.0, "How often the api and the worker ping their database to answer health."
    )
    event_max_deliveries: int = setting(5, "Deliveries of an event before it is dead-lettered.")
    broker_user_format: str = setting(
        "crm-{service}",
        "Broker user name of a service ({service} = its name): who may publish "
        "its events; consumers refuse an event whose AMQP user_id is not its source's user.",
    )
    otlp_endpoint: str = setting(
        "",
        "OTLP/HTTP traces URL (e.g. http://otel-collector:4318/v1/traces) this process exports "
        "its spans to (gRPC calls, events, database transactions: crm_chassis.tracing). "
        "Empty: tracing off, no span recorded.",
    )
    trace_sample_ratio: float = setting(
        1.0,
        "Share of new traces recorded when tracing is on (0..1); a trace continued from a "
        "caller or an event follows the caller's decision.",
    )
    service_client_id: str = setting("", "Client id of this service's service account.")
    service_client_secret: str = setting(
        "", "Client secret of this service's service account.", secret=True
    )

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls, service_name: str, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> Self:
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
            fixed = f.metadata.get("env")
            raw = (
                env.get(fixed)
                if fixed
                else env.get(prefix + f.name.upper(), env.get("CRM_" + f.name.upper()))
            )
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
        if values["environment"] not in ENVIRONMENTS:
            raise SettingsError(
                f"environment variable CRM_ENV must be one of "
                f"{', '.join(ENVIRONMENTS)} (got {values['environment']!r})"
            )
        instance = cls(service_name=service_name, **values)
        instance._check_grpc_limits()
        if not instance.database_url and instance.local_fallbacks_allowed:
            path = os.path.abspath(os.path.join(instance.data_dir, f"{service_name}.db"))
            instance = dataclasses.replace(instance, database_url=f"sqlite:///{path}")
        return instance

    def _check_grpc_limits(self) -> None:
        for name in (
            "grpc_max_workers",
            "grpc_max_concurrent_rpcs",
            "grpc_max_concurrent_streams",
            "grpc_max_list_items",
            "grpc_max_message_bytes",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.variable(name)} must be at least 1")
        if self.database_pool_size < 1:
            raise SettingsError(f"{self.variable('database_pool_size')} must be at least 1")
        if self.database_max_overflow < 0:
            raise SettingsError(f"{self.variable('database_max_overflow')} must not be negative")
        for name in (
            "grpc_stream_idle_seconds",
            "grpc_unary_deadline_seconds",
            "grpc_stream_deadline_seconds",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{self.variable(name)} must be positive")

    @property
    def local_fallbacks_allowed(self) -> bool:
        """True in local and test runs: defaults meant for a developer's machine may apply."""
        return self.environment in (LOCAL, TEST)

    def variable(self, name: str) -> str:
        """The service's own environment variable of field ``name``: CRM_<SERVICE>_<FIELD>."""
        return f"CRM_{self.service_name.upper()}_{name.upper()}"

    def startup_problems(self, process: str) -> list[str]:
        """Why a process of kind ``process`` (api, worker, relay) must not start with these
        settings: one sentence per problem, naming the variable to set. Empty: it may start.
        A service extends it (``super().startup_problems(process) + [...]``)."""
        problems = []
        if not self.database_url:
            problems.append(
                f"{self.variable('database_url')} is not set: the SQLAlchemy URL of "
                f"{self.service_name}'s own database (a SQLite file in the data "
                "folder is a fallback of local and test runs only)"
            )
        return problems

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


def check_startup(settings: ServiceSettings, process: str) -> None:
    """Stop the process (:class:`StartupRefused`) when ``settings.startup_problems`` finds any.
    Every api, worker and relay main calls it right after loading its settings."""
    if process not in PROCESS_KINDS:
        raise ValueError(f"unknown process kind {process!r}; known: {PROCESS_KINDS}")
    problems = settings.startup_problems(process)
    if problems:
        raise StartupRefused(settings.service_name, process, settings.environment, problems)


def _variables(f: dataclasses.Field[Any], service_name: str) -> str:
    fixed = f.metadata.get("env")
    if fixed:
        return f"`{fixed}`"
    return f"`CRM_{service_name.upper()}_{f.name.upper()}` (or `CRM_{f.name.upper()}`)"


def describe(cls: type[ServiceSettings], service_name: str) -> str:
    """A Markdown table of every setting of ``cls`` for ``service_name``."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in fields(cls):
        if f.name == "service_name":
            continue
        rows.append(
            f"| {_variables(f, service_name)} | `{f.default}` | {f.metadata.get('doc', '')} |"
        )
    return "\n".join(rows)


def describe_own(cls: type[ServiceSettings], service_name: str) -> str:
    """The table of the fields ``cls`` adds or re-defaults (the service's own settings)."""
    base = {f.name: f.default for f in fields(ServiceSettings)}
    own = [
        f
        for f in fields(cls)
        if f.name != "service_name" and (f.name not in base or base[f.name] != f.default)
    ]
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in own:
        secret = " (secret)" if f.metadata.get("secret") else ""
        rows.append(
            f"| {_variables(f, service_name)} "
            f"| `{f.default}` | {f.metadata.get('doc', '')}{secret} |"
        )
    return "\n".join(rows)


def settings_class_of(service_name: str) -> type[ServiceSettings]:
    """The settings class a service declares in ``<package>.entrypoints.settings``."""
    import importlib
    import inspect

    from crm_chassis import manifest

    module = importlib.import_module(f"{manifest.find(service_name).package}.entrypoints.settings")
    found = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ServiceSettings) and c is not ServiceSettings
    ]
    if len(found) != 1:
        raise LookupError(f"{module.__name__} declares {len(found)} settings classes, not one")
    return found[0]


def load_for_process(service_name: str, process: str) -> ServiceSettings:
    """The settings of a chassis-run process (worker, relay), loaded with the service's own
    class when it declares one (so its start-up checks apply), then :func:`check_startup`."""
    from crm_chassis import manifest

    module = f"{manifest.find(service_name).package}.entrypoints.settings"
    try:
        cls = settings_class_of(service_name)
    except ModuleNotFoundError as exc:  # a service that declares no settings of its own
        if not exc.name or not module.startswith(exc.name):
            raise
        cls = ServiceSettings
    settings: ServiceSettings = cls.load(service_name)
    check_startup(settings, process)
    return settings


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
