"""A service's declaration of itself: ``services/<name>/service.toml``.

The dev runner (``make run``), the broker topology and the deploy manifests all read these files,
so adding a service means adding its folder and manifest, never editing a list of processes.

    name = "identity"                 # service name = nameko service name = exchange prefix
    package = "crm_identity"          # Python package of the service
    grpc_port = 50051                 # default port of its gRPC API
    publishes = ["user_created", ...] # event types it publishes on <name>.events
    service_roles = ["read_users"]    # rights its own service account needs (names in
                                      #   crm_chassis.service_roles; identity grants exactly these)

    [processes]                       # process kind -> its own /metrics port
    api = 9151                        #   python -m <package>.entrypoints.api
    worker = 9251                     #   nameko run <package>.entrypoints.worker
    relay = 9351                      #   crm-relay --service <name>

    [[subscriptions]]                 # every @event_handler of its worker
    source = "identity"
    event = "user_created"
    method = "on_user_created"

    [[egress]]                        # connections a process opens outside the cluster
    process = "worker"                #   (deploy/k8s renders a NetworkPolicy rule each)
    purpose = "smtp"
    ports = [25, 465, 587]

A web application (the console) declares a ``web`` process and its HTTP port instead of a gRPC
API; it has no broker user, no queues and no database of its own:

    name = "console"
    package = "crm_console"
    http_port = 8460                  # port of its web server
    calls = ["identity", "leads"]     # the apis it calls (with the signed-in person's token)
    [processes]
    web = 9157                        #   python -m <package>.entrypoints.web
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_chassis.service_roles import SERVICE_ROLES

PROCESS_KINDS = ("api", "worker", "relay", "web")


@dataclass(frozen=True)
class Subscription:
    source: str  # publishing service
    event: str  # event type (routing key)
    consumer: str  # consuming (nameko) service name
    method: str  # handler method on the consumer's worker

    @property
    def queue(self) -> str:
        """nameko's queue name for this handler (must match, or nameko declares another)."""
        return f"evt-{self.source}-{self.event}--{self.consumer}.{self.method}"


@dataclass(frozen=True)
class ExternalEgress:
    process: str  # process kind that opens the connections
    purpose: str  # what they are for (smtp, webhooks)
    ports: tuple[int, ...]  # TCP ports it connects to


@dataclass(frozen=True)
class ServiceManifest:
    name: str
    package: str
    grpc_port: int  # 0: no gRPC API (a web application)
    root: Path
    publishes: tuple[str, ...] = ()
    processes: dict[str, int] = field(default_factory=dict)  # kind -> metrics port
    subscriptions: tuple[Subscription, ...] = ()
    service_roles: tuple[str, ...] = ()  # roles of the service's own service account
    egress: tuple[ExternalEgress, ...] = ()  # connections outside the cluster
    http_port: int = 0  # port of the web process's server (0: no web process)
    calls: tuple[str, ...] = ()  # apis called with people's own tokens (a web application)

    @property
    def is_web(self) -> bool:
        """A web application: a web process, nothing on the broker (no exchange, no user)."""
        return "web" in self.processes

    @property
    def uses_broker(self) -> bool:
        """Every service but a web application has a broker user, an exchange and queues."""
        return not self.is_web

    def command(self, kind: str, python: str = "python") -> list[str]:
        if kind == "api":
            return [python, "-m", f"{self.package}.entrypoints.api"]
        if kind == "worker":
            return [
                python,
                "-m",
                "crm_chassis.messaging.worker_main",
                self.name,
                f"{self.package}.entrypoints.worker",
            ]
        if kind == "relay":
            return [python, "-m", "crm_chassis.outbox.relay_main", "--service", self.name]
        if kind == "web":
            return [python, "-m", f"{self.package}.entrypoints.web"]
        raise ValueError(f"unknown process kind {kind!r}")


def load(path: str | os.PathLike[str]) -> ServiceManifest:
    path = Path(path)
    data = tomllib.loads(path.read_text())
    try:
        name = data["name"]
        unknown = set(data.get("processes", {})) - set(PROCESS_KINDS)
        if unknown:
            raise ValueError(f"unknown process kinds {sorted(unknown)}; known: {PROCESS_KINDS}")
        roles = data.get("service_roles", [])
        if not isinstance(roles, list) or set(roles) - SERVICE_ROLES.keys():
            raise ValueError(
                f"{path}: service_roles must be a list of {', '.join(SERVICE_ROLES)}; got {roles!r}"
            )
        processes = {k: int(v) for k, v in data.get("processes", {}).items()}
        if "web" in processes and not data.get("http_port"):
            raise ValueError(f"{path}: a web process needs http_port (its server's port)")
        if "api" in processes and not data.get("grpc_port"):
            raise ValueError(f"{path}: an api process needs grpc_port")
        return ServiceManifest(
            name=name,
            package=data["package"],
            grpc_port=int(data.get("grpc_port", 0)),
            http_port=int(data.get("http_port", 0)),
            calls=tuple(data.get("calls", [])),
            root=path.parent,
            publishes=tuple(data.get("publishes", [])),
            processes=processes,
            subscriptions=tuple(
                Subscription(
                    source=s["source"], event=s["event"], consumer=name, method=s["method"]
                )
                for s in data.get("subscriptions", [])
            ),
            service_roles=tuple(sorted(set(roles))),
            egress=tuple(external_egress(path, e) for e in data.get("egress", [])),
        )
    except KeyError as exc:
        raise ValueError(f"{path}: missing key {exc}") from None


def external_egress(path: Path, entry: dict[str, Any]) -> ExternalEgress:
    if entry["process"] not in PROCESS_KINDS:
        raise ValueError(
            f"{path}: egress process must be one of {PROCESS_KINDS}; got {entry['process']!r}"
        )
    return ExternalEgress(
        process=entry["process"],
        purpose=entry["purpose"],
        ports=tuple(int(port) for port in entry["ports"]),
    )


def repo_root() -> Path:
    env = os.environ.get("CRM_REPO_ROOT")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "services").is_dir() and (parent / "libs").is_dir():
            return parent
    return Path.cwd()


def discover(root: str | os.PathLike[str] | None = None) -> list[ServiceManifest]:
    """Every ``services/*/service.toml`` under the repository, sorted by name."""
    base = Path(root) if root else repo_root()
    return [load(p) for p in sorted((base / "services").glob("*/service.toml"))]


def find(name: str, root: str | os.PathLike[str] | None = None) -> ServiceManifest:
    for manifest in discover(root):
        if manifest.name == name:
            return manifest
    raise LookupError(f"no services/{name}/service.toml")
