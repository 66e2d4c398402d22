"""``crm-dev new-service NAME``: write a new service in the platform's shape.

The service is small but whole (docs/adding-a-service.md walks through it): a note aggregate,
use cases ``f(deps, caller, ...)`` on fakes-tested units of work, an api from the chassis
entrypoint kit, a worker consuming the service's own ``note_added`` events through
``ServiceDependencies``, the outbox relay, a first migration, the proto of its API and event,
an import-linter contract, and unit and migration tests. Ports follow the platform's scheme:
gRPC ``5005x``, metrics ``915x`` (api), ``925x`` (worker), ``935x`` (relay), with ``x`` the
next free number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from crm_chassis import manifest as manifests
from crm_devrun.scaffold_templates import FILES

NAME_PATTERN = re.compile(r"[a-z][a-z0-9]{1,30}")
FIRST_GRPC_PORT = 50050


@dataclass(frozen=True)
class Ports:
    grpc: int
    api: int
    worker: int
    relay: int

    @classmethod
    def number(cls, n: int) -> Ports:
        return cls(grpc=FIRST_GRPC_PORT + n, api=9150 + n, worker=9250 + n, relay=9350 + n)


def next_ports(root: Path) -> Ports:
    """The ports after those of every service under ``root``, skipping numbers whose metrics
    ports a web application (no gRPC port of its own) already holds."""
    found = manifests.discover(root)
    used = [m.grpc_port - FIRST_GRPC_PORT for m in found if m.grpc_port > FIRST_GRPC_PORT]
    taken = {port for m in found for port in (*m.processes.values(), m.http_port)}
    n = max(used, default=0) + 1
    while {Ports.number(n).api, Ports.number(n).worker, Ports.number(n).relay} & taken:
        n += 1
    return Ports.number(n)


def check_name(name: str, root: Path) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"service name {name!r}: 2 to 31 lower-case letters and digits, "
            "starting with a letter (it names the package crm_<name>, the "
            "exchange <name>.events and the variables CRM_<NAME>_*)"
        )
    for existing in (root / "services" / name, root / "protos" / "crm" / name):
        if existing.exists():
            raise ValueError(f"{existing} exists already: choose another name")


def new_service(name: str, root: Path, ports: Ports | None = None) -> list[Path]:
    """Write service ``name`` under ``root`` (the repository); returns the files written."""
    root = Path(root)
    check_name(name, root)
    ports = ports or next_ports(root)
    values = dict(
        name=name,
        Name=name.capitalize(),
        NAME=name.upper(),
        package=f"crm_{name}",
        grpc_port=ports.grpc,
        api_port=ports.api,
        worker_port=ports.worker,
        relay_port=ports.relay,
    )
    written = []
    for relative, text in FILES.items():
        path = root / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values))
        written.append(path)
    script = root / "services" / name / "migrations" / "script.py.mako"
    script.write_text(_ALEMBIC_SCRIPT)
    written.append(script)
    return written


# alembic's template of a new revision (mako syntax, written as is).
_ALEMBIC_SCRIPT = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''
