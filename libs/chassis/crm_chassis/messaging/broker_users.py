"""Broker users and their permissions: one RabbitMQ user per service, allowed its own resources.

The permission of user ``crm-<service>`` on the platform's virtual host, from the naming of
:mod:`crm_chassis.messaging.topology` (``Q`` = the service's handler queues and their dead-letter
queues, ``evt-<source>-<event>--<service>.<method>`` and ``<that>.dlq``):

- configure ``^(<service>\\.events|<service>\\.dlx|Q)$``: declare (and delete) its own exchange,
  dead-letter exchange and queues; nothing of another service.
- write ``^(<service>\\.events|<service>\\.dlx|Q)$``: publish on its own exchange only; bind its
  own queues (``queue.bind`` needs write on the queue); declare a queue whose
  ``x-dead-letter-exchange`` is ``<service>.dlx`` (RabbitMQ checks write on that exchange).
- read ``^(<service>\\.dlx|<source>\\.events...|Q)$``: consume its own queues; bind them from the
  exchanges it subscribes to and its dead-letter queues from its own dead-letter exchange
  (``queue.bind`` needs read on the exchange).

Passive declares (queue depths, "does it exist") need no permission. RabbitMQ checks the
``user_id`` property a publisher sets against the authenticated user, so what a consumer reads
there names the producer's broker user (:mod:`crm_chassis.messaging.provenance`).

``python -m crm_chassis.messaging.broker_users provision --vhost crm`` creates the vhost, every
service's user with its local password and its permissions (``rabbitmqctl import_definitions``,
root on a developer's machine: ``make run``, ``make test``). deploy/ renders the same permissions
as RabbitMQ messaging-topology-operator resources.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from crm_chassis.manifest import ServiceManifest
from crm_chassis.messaging.topology import dead_letter_exchange, events_exchange

DEFAULT_USER_FORMAT = "crm-{service}"
LOCAL_VHOST = "crm"
_NAME = "[A-Za-z0-9_]+"  # service names, event types and method names are identifiers


def broker_user(service: str, user_format: str = DEFAULT_USER_FORMAT) -> str:
    """The broker user name of ``service`` (setting ``broker_user_format``)."""
    return user_format.format(service=service)


def local_password(service: str) -> str:
    """A service's broker password on a developer's machine only (make run, make test)."""
    return f"local-dev-{service}-broker"


def local_amqp_url(
    service: str, vhost: str = LOCAL_VHOST, host: str = "127.0.0.1", port: int = 5672
) -> str:
    return (
        f"amqp://{quote(broker_user(service), safe='')}:"
        f"{quote(local_password(service), safe='')}@{host}:{port}/{quote(vhost, safe='')}"
    )


@dataclass(frozen=True)
class Permission:
    user: str
    configure: str
    write: str
    read: str


def own_queues_pattern(service: str) -> str:
    return f"evt-{_NAME}-{_NAME}--{re.escape(service)}\\.{_NAME}(\\.dlq)?"


def permission(manifest: ServiceManifest, user_format: str = DEFAULT_USER_FORMAT) -> Permission:
    name = manifest.name
    own = [
        re.escape(events_exchange(name)),
        re.escape(dead_letter_exchange(name)),
        own_queues_pattern(name),
    ]
    sources = sorted({sub.source for sub in manifest.subscriptions})
    read = [
        re.escape(dead_letter_exchange(name)),
        *(re.escape(events_exchange(source)) for source in sources),
        own_queues_pattern(name),
    ]
    return Permission(
        user=broker_user(name, user_format),
        configure=f"^({'|'.join(own)})$",
        write=f"^({'|'.join(own)})$",
        read=f"^({'|'.join(read)})$",
    )


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(
    manifests: Iterable[ServiceManifest], vhost: str, *, also_permit: Sequence[str] = ()
) -> dict[str, Any]:
    """Definitions for ``rabbitmqctl import_definitions``: the vhost, every service's user with
    its local password, their permissions there; users in ``also_permit`` get every right on the
    vhost (the test runner's administrative user, on a throw-away vhost only). A web application
    (no api, worker or relay) has no broker user."""
    manifests = [m for m in manifests if m.uses_broker]
    return {
        "vhosts": [{"name": vhost}],
        "users": [
            {
                "name": broker_user(m.name),
                "password_hash": password_hash(local_password(m.name)),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
            for m in manifests
        ],
        "permissions": [
            *(
                {
                    "user": p.user,
                    "vhost": vhost,
                    "configure": p.configure,
                    "write": p.write,
                    "read": p.read,
                }
                for p in (permission(m) for m in manifests)
            ),
            *(
                {"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
                for user in also_permit
            ),
        ],
    }


class ProvisioningError(RuntimeError):
    pass


# One rabbitmqctl at a time on the machine. Each call is an Erlang node of its own that takes
# one of the broker's ten CLI distribution ports (35672-35682): a dozen concurrent calls (test
# sessions of several checkouts starting at once) fail with "nodistribution", and concurrent
# import_definitions / delete_vhost were seen to leave the broker refusing every AMQP handshake
# until it was restarted. The lock is the machine's, shared by every checkout and user.
MACHINE_LOCK = os.path.join(tempfile.gettempdir(), "crm-rabbitmqctl.lock")
RABBITMQCTL_TIMEOUT_SECONDS = 120


def rabbitmqctl(*args: str) -> str:
    command = [os.environ.get("CRM_RABBITMQCTL", "rabbitmqctl"), *args]
    with open(MACHINE_LOCK, "a") as lock:
        try:
            os.chmod(MACHINE_LOCK, 0o666)  # another user of the machine takes it too
        except PermissionError:
            pass
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = _run(command)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if done.returncode != 0:
        raise ProvisioningError(
            f"{' '.join(command)} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-500:]} (it needs root or "
            "the broker's Erlang cookie)"
        )
    return done.stdout


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """``command`` in a process group of its own: on timeout the whole group is killed, the
    CLI's Erlang node included (killing only the wrapper script left it holding its
    distribution port and its request on the broker)."""
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ProvisioningError(
            "rabbitmqctl not found: the broker users of a local run are created with it (install "
            "rabbitmq-server, or set CRM_RABBITMQCTL)"
        ) from None
    try:
        stdout, stderr = process.communicate(timeout=RABBITMQCTL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ProvisioningError(
            f"{' '.join(command)} did not answer within {RABBITMQCTL_TIMEOUT_SECONDS} s: is the "
            "broker running (rabbitmqctl status)?"
        ) from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def provision(
    manifests: Iterable[ServiceManifest], vhost: str, *, also_permit: Sequence[str] = ()
) -> None:
    """Create the vhost, the users and their permissions on the local broker (idempotent)."""
    manifests = list(manifests)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(definitions(manifests, vhost, also_permit=also_permit), file)
    try:
        os.chmod(file.name, 0o644)  # rabbitmqctl reads it as the broker's user
        rabbitmqctl("import_definitions", file.name)
    finally:
        os.unlink(file.name)
    if {m.name for m in manifests} >= {m.name for m in _repository_manifests()}:
        _PROVISIONED.add(vhost)


def _repository_manifests() -> list[ServiceManifest]:
    from crm_chassis import manifest as manifests

    return manifests.discover(manifests.repo_root())


_PROVISIONED: set[str] = set()


def provision_once(vhost: str) -> None:
    """:func:`provision` every service of the repository on ``vhost``, once per process (test
    beds and benchmarks that connect as the services' own users)."""
    if vhost not in _PROVISIONED:
        provision(_repository_manifests(), vhost)


def delete_vhost(vhost: str) -> None:
    rabbitmqctl("delete_vhost", vhost)


def delete_user(user: str) -> None:
    rabbitmqctl("delete_user", user)


def main(argv: list[str] | None = None) -> int:
    from crm_chassis import manifest as manifests

    parser = argparse.ArgumentParser(prog="crm-broker-users", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("provision", "show"))
    parser.add_argument("--vhost", default=LOCAL_VHOST)
    args = parser.parse_args(argv)
    found = [m for m in manifests.discover() if m.uses_broker]  # web applications have none
    if args.action == "show":
        for m in found:
            p = permission(m)
            print(
                f"{p.user}\n  configure {p.configure}\n  write     {p.write}\n  read      {p.read}"
            )
        return 0
    try:
        provision(found, args.vhost)
    except ProvisioningError as exc:
        print(f"crm-broker-users: {exc}", file=sys.stderr)
        return 1
    print(
        f"broker users of {len(found)} services and their permissions on vhost "
        f"{args.vhost!r} are in place"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
