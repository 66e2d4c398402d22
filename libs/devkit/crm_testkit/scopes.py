"""Test bed of revocation across the broker: territory's outbox -> relay -> RabbitMQ -> a consumer
worker's replica -> an api-side :class:`ScopeReplica` read (tests and ``bench/revocation_bench.py``).

The producer side is territory's exchange and event exactly as territory emits them
(``territory.events``, ``user_access_changed``, aggregate ``user_access``), written by
:meth:`RevocationBed.publish` into an outbox database the bed's relay drains; or, with
``use_relay=False``, by a territory relay the caller runs itself. The consumer is a fresh probe
service (``scopeprobe<hex>``) holding only the chassis replica handler, whose queue is deleted on
close (the shared ``territory.events`` exchange is left alone: other consumers use it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import MetaData

from crm_chassis import manifest as manifests
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.topology import dead_letter_queue
from crm_chassis.outbox.tables import messaging_tables
from crm_chassis.scopes.messages import user_access_changed_message
from crm_chassis.scopes.model import Grant
from crm_chassis.scopes.replica import ScopeReplica
from crm_chassis.scopes.tables import scope_tables
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit import AMQP_URL, amqp_channel, free_port

T = TypeVar("T")
PROBE_APP_DIR = manifests.repo_root() / "libs" / "chassis" / "tests" / "scopes"


def probe_metadata() -> MetaData:
    metadata = MetaData()
    messaging_tables(metadata)
    scope_tables(metadata)
    return metadata


class RevocationBed:
    def __init__(
        self, root: Path, territory_db: str, probe_db: str, *, max_staleness_seconds: float = 0.25
    ) -> None:
        self.root = Path(root)
        self.probe = f"scopeprobe{uuid.uuid4().hex[:8]}"
        self._write_manifests()
        self.manifests = manifests.discover(self.root)
        self.territory_engine = make_engine(territory_db)
        self.probe_engine = make_engine(probe_db)
        self.territory_tables = MetaData()
        messaging_tables(self.territory_tables)
        self.territory_tables.create_all(self.territory_engine)
        probe_metadata().create_all(self.probe_engine)
        self.make_uow = partial(
            SqlAlchemyUnitOfWork,
            make_session_factory(self.territory_engine),
            service_name="territory",
            outbox=self.territory_tables.tables["outbox"],
        )
        self.replica = ScopeReplica(self.probe_engine, max_staleness_seconds)
        self.env = {
            **os.environ,
            "CRM_REPO_ROOT": str(self.root),
            "CRM_ENV": "test",
            "CRM_TERRITORY_DATABASE_URL": territory_db,
            f"CRM_{self.probe.upper()}_DATABASE_URL": probe_db,
            "CRM_AMQP_URL": AMQP_URL,
            "CRM_LOG_LEVEL": "WARNING",
            "SCOPE_PROBE_SERVICE": self.probe,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PROBE_APP_DIR), os.environ.get("PYTHONPATH")])
            ),
        }
        self._versions: dict[str, int] = {}
        self._processes: list[subprocess.Popen[bytes]] = []

    def _write_manifests(self) -> None:
        for name, body in (
            ("territory", 'publishes = ["user_access_changed"]\n[processes]\nrelay = 0\n'),
            (
                self.probe,
                f"[processes]\nworker = {free_port()}\n[[subscriptions]]\n"
                'source = "territory"\nevent = "user_access_changed"\n'
                'method = "on_user_access_changed"\n',
            ),
        ):
            folder = self.root / "services" / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "service.toml").write_text(
                f'name = "{name}"\npackage = "crm_{name}"\ngrpc_port = 0\n{body}'
            )

    @property
    def queue(self) -> str:
        probe = next(m for m in self.manifests if m.name == self.probe)
        return probe.subscriptions[0].queue

    # ---------------------------------------------------------------- producing
    def publish(self, user_id: str, grants: Iterable[Grant] = (), *, active: bool = True) -> float:
        """Commit the user's next snapshot to territory's outbox; returns the commit instant
        (time.monotonic() right after COMMIT returned)."""
        version = self._versions[user_id] = self._versions.get(user_id, 0) + 1
        message = user_access_changed_message(user_id, version, grants, active=active)
        with self.make_uow() as uow:
            uow.emit(
                "user_access_changed",
                message,
                aggregate_type="user_access",
                aggregate_id=user_id,
                aggregate_version=version,
            )
            uow.commit()
            return time.monotonic()

    # ---------------------------------------------------------------- processes
    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        log_path = self.root / f"process-{len(self._processes)}.log"
        with open(log_path, "wb") as log_file:  # a file, not a pipe: a full pipe blocks
            process = subprocess.Popen(
                [sys.executable, *args], env=self.env, stdout=log_file, stderr=subprocess.STDOUT
            )
        process.log_path = log_path  # type: ignore[attr-defined]  # read by logs()
        self._processes.append(process)
        return process

    def start(self) -> None:
        """The bed's topology, then the territory relay (as territory's own broker user: the
        probe accepts user_access_changed from nobody else) and the probe."""
        from crm_chassis.messaging.broker_users import provision_once
        from crm_chassis.messaging.topology import declare_topology
        from crm_chassis.settings import ServiceSettings
        from crm_testkit import service_amqp_url
        from crm_testkit.pytest_broker import vhost_of

        provision_once(vhost_of(AMQP_URL))  # the repository's services' users, territory's too
        self.env["CRM_TERRITORY_AMQP_URL"] = service_amqp_url("territory")
        connection, channel = amqp_channel()
        try:
            declare_topology(
                channel,
                self.manifests,
                ServiceSettings.load(self.probe, env=self.env).event_max_deliveries,
            )
        finally:
            connection.close()
        self._spawn(["-m", "crm_chassis.outbox.relay_main", "--service", "territory"])
        self._spawn(["-m", "crm_chassis.messaging.worker_main", self.probe, "scope_probe_app"])

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.args[2:]}\n"  # type: ignore[index,str-bytes-safe]
            f"{p.log_path.read_text()[-3000:]}"  # type: ignore[attr-defined]
            for p in self._processes
        )

    def wait_for(
        self, predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.002
    ) -> tuple[T, float]:
        """Poll ``predicate`` until truthy; returns (value, time.monotonic() when it became so)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value, time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {timeout:.0f}s\n{self.logs()}")
            time.sleep(interval)

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        connection, channel = amqp_channel()
        try:
            channel.queue_delete(queue=self.queue)
            channel.queue_delete(queue=dead_letter_queue(self.queue))
            channel.exchange_delete(exchange=f"{self.probe}.dlx")
        finally:
            connection.close()
        self.territory_engine.dispose()
        self.probe_engine.dispose()
