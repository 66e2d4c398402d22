"""What ``crm-dev run`` runs: pure functions from the service manifests to process specs.

Kept free of I/O so ``crm-dev list`` and the tests see exactly what ``run`` would start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crm_chassis.manifest import PROCESS_KINDS, ServiceManifest
from crm_chassis.messaging.broker_users import LOCAL_VHOST, local_amqp_url
from crm_chassis.settings import LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD


def local_service_account(service: str) -> tuple[str, str]:
    """(client id, secret) of a service's account in local runs only: identity creates it at
    start (CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS) and the service calls others with it."""
    return f"svc-{service}-local", f"local-dev-{service}-service-secret"


@dataclass(frozen=True)
class ProcessSpec:
    service: str
    kind: str  # api, worker, relay, or a one-off step (migrate, topology)
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)  # added to the runner's environment
    metrics_port: int = 0
    grpc_address: str = ""
    http_url: str = ""  # a web process's address in a browser

    @property
    def label(self) -> str:
        return f"{self.service}.{self.kind}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics" if self.metrics_port else ""


@dataclass(frozen=True)
class Plan:
    environment: Mapping[str, str]  # shared by every process (merged over os.environ)
    migrations: tuple[ProcessSpec, ...]
    broker_users: ProcessSpec | None  # creates the vhost, the services' users, their rights
    topology: ProcessSpec | None  # then every service's part, each with its own user
    processes: tuple[ProcessSpec, ...]
    bootstrap_admin: tuple[str, str] | None  # (e-mail, password) when the local default is used


def select(manifests: Sequence[ServiceManifest], only: Sequence[str]) -> list[ServiceManifest]:
    if not only:
        return list(manifests)
    known = {m.name for m in manifests}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ValueError(
            f"unknown service(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(known)) or 'none (no services/*/service.toml)'}"
        )
    return [m for m in manifests if m.name in set(only)]


def shared_environment(
    manifests: Sequence[ServiceManifest], root: Path, environ: Mapping[str, str]
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Variables every process gets; values already in ``environ`` win (the developer's)."""
    env = {"CRM_REPO_ROOT": str(root), "PYTHONUNBUFFERED": "1"}
    # CRM_ENV=local: SQLite files in the data folder and the public local admin password are
    # accepted (outside local runs the processes refuse them at start).
    defaults = {"CRM_ENV": "local", "CRM_DATA_DIR": str(root / "data"), "CRM_LOG_FORMAT": "console"}
    # Every api's address, under the name both crmctl and the services' `<name>_address`
    # settings read (CRM_<FIELD> is every service's fallback): identity's keys, territory's
    # ChooseOwners, catalog's PriceQuote...
    for manifest in manifests:
        if "api" in manifest.processes:
            defaults[f"CRM_{manifest.name.upper()}_ADDRESS"] = f"127.0.0.1:{manifest.grpc_port}"
    # Each service's own broker user (created by the plan's broker_users step): relays stamp it
    # on their events and consumers accept an event only from its owner's user.
    for manifest in manifests:
        if manifest.uses_broker:
            defaults[f"CRM_{manifest.name.upper()}_AMQP_URL"] = local_amqp_url(manifest.name)
    bootstrap: tuple[str, str] | None = None
    configured = environ.get("CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL") or environ.get(
        "CRM_BOOTSTRAP_ADMIN_EMAIL"
    )
    if not configured:
        password = environ.get("CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD") or LOCAL_ADMIN_PASSWORD
        env["CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL"] = LOCAL_ADMIN_EMAIL
        env["CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] = password
        bootstrap = (LOCAL_ADMIN_EMAIL, password)
    # A web application calls with the signed-in person's token: it has no service account.
    callers = [m for m in manifests if m.name != "identity" and not m.is_web]
    if "identity" in {m.name for m in manifests} and not environ.get(
        "CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS"
    ):
        accounts = []
        for manifest in callers:
            name = manifest.name
            client_id, secret = local_service_account(name)
            prefix = f"CRM_{name.upper()}_SERVICE_CLIENT_"
            if environ.get(prefix + "ID"):
                continue  # the developer configured this one
            # name:client_id:secret:role+role — the roles its service.toml declares (identity
            # brings an existing account of an old data/ directory to them at start).
            accounts.append(f"{name}:{client_id}:{secret}:{'+'.join(manifest.service_roles)}")
            defaults[prefix + "ID"], defaults[prefix + "SECRET"] = client_id, secret
        if accounts:
            defaults["CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS"] = ",".join(accounts)
    env.update({key: value for key, value in defaults.items() if not environ.get(key)})
    return env, bootstrap


def build_plan(
    manifests: Sequence[ServiceManifest],
    *,
    root: Path,
    only: Sequence[str] = (),
    topology: bool = True,
    environ: Mapping[str, str] | None = None,
    python: str | None = None,
) -> Plan:
    environ = os.environ if environ is None else environ
    python = python or sys.executable
    chosen = select(manifests, only)
    env, bootstrap = shared_environment(manifests, root, environ)
    migrations, processes = [], []
    for manifest in chosen:
        prefix = f"CRM_{manifest.name.upper()}_"
        if not manifest.is_web:  # a web application keeps no data: nothing to migrate
            migrations.append(
                ProcessSpec(manifest.name, "migrate", (python, "-m", f"{manifest.package}.migrate"))
            )
        for kind in PROCESS_KINDS:
            if kind not in manifest.processes:
                continue
            metrics_port = manifest.processes[kind]
            own_env = {prefix + "METRICS_PORT": str(metrics_port)}
            if kind == "web":
                own_env[prefix + "HTTP_PORT"] = str(manifest.http_port)
            else:
                own_env[prefix + "GRPC_PORT"] = str(manifest.grpc_port)
            processes.append(
                ProcessSpec(
                    manifest.name,
                    kind,
                    tuple(manifest.command(kind, python=python)),
                    own_env,
                    metrics_port=metrics_port,
                    grpc_address=f"127.0.0.1:{manifest.grpc_port}" if kind == "api" else "",
                    http_url=f"http://127.0.0.1:{manifest.http_port}/" if kind == "web" else "",
                )
            )
    users_spec = topology_spec = None
    if topology and chosen:
        users_spec = ProcessSpec(
            "broker",
            "users",
            (
                python,
                "-m",
                "crm_chassis.messaging.broker_users",
                "provision",
                "--vhost",
                LOCAL_VHOST,
            ),
        )
        topology_spec = ProcessSpec(
            "broker", "topology", (python, "-m", "crm_chassis.messaging.topology_main", "declare")
        )
    return Plan(
        env,
        tuple(migrations),
        users_spec,
        topology_spec,
        tuple(processes),
        bootstrap if "identity" in {m.name for m in chosen} else None,
    )
