"""The platform's real processes on throw-away PostgreSQL databases: end-to-end tests and
benchmarks run exactly what ``make run`` and Kubernetes run (api, worker, relay per service).

    with PlatformBed(["identity", "territory", "leads"], tmp_path) as bed:
        token = bed.admin_token()
        channel = bed.channel("leads", token)

Every service gets its own database and its own ports (gRPC and one /metrics port per process),
held by the bed from their choice to its close (``crm_testkit.reserve_port``): another bed or
server on the machine cannot take one before, or between restarts of, the process that binds it;
every api's address is exported as ``CRM_<SERVICE>_ADDRESS`` (see ``plan.shared_environment``),
the bootstrap administrator and the services' local service accounts as in ``make run``. The
broker objects are the platform's own (``<service>.events``, nameko's queue names), each service
connecting as its own broker user on the tests' vhost; the bed purges its services' queues at start so that leftovers of an interrupted run are not consumed.
Two beds, or a bed and ``make run``, must not share one broker at the same time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import grpc

from crm_chassis import manifest as manifests
from crm_chassis.messaging.broker_users import provision_once
from crm_devrun.plan import ProcessSpec, build_plan
from crm_testkit import (
    AMQP_URL,
    amqp_channel,
    reserve_port,
    service_amqp_url,
    temporary_postgres_database,
)
from crm_testkit.pytest_broker import vhost_of
from crm_testkit.templates import migrated_postgres_database

T = TypeVar("T")


def _may_be_secret(name: str) -> bool:
    return any(word in name for word in ("KEY", "SECRET", "PASSWORD", "TOKEN"))


ADMIN_EMAIL = "bed.admin@example.com"
ADMIN_PASSWORD = "bed admin passphrase, long enough"


class PlatformBed:
    def __init__(
        self, services: Sequence[str], workdir: Path, *, env: Mapping[str, str] | None = None
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        found = {m.name: m for m in manifests.discover()}
        missing = [name for name in services if name not in found]
        if missing:
            raise ValueError(f"no manifest for {', '.join(missing)}")
        self._stack = contextlib.ExitStack()

        def port() -> int:
            reservation = reserve_port()
            self._stack.callback(reservation.close)
            return int(reservation.port)

        self.manifests = [
            dataclasses.replace(
                found[name],
                grpc_port=port(),
                http_port=port() if found[name].is_web else 0,
                processes={kind: port() for kind in found[name].processes},
            )
            for name in services
        ]
        self.extra_env = dict(env or {})
        self._processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        self.database_urls: dict[str, str] = {}

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> PlatformBed:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, timeout: float = 120.0) -> None:
        environ = {
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            **self.extra_env,
        }
        plan = build_plan(
            self.manifests, root=manifests.repo_root(), environ=environ, topology=False
        )
        # CRM_ENV=test: the bed's processes run with the fallbacks of automated tests (deals
        # keeps webhook secrets in clear without a key); databases are the bed's own.
        self.env = {
            **os.environ,
            **plan.environment,
            **environ,
            "CRM_ENV": "test",
            "CRM_AMQP_URL": AMQP_URL,
            "CRM_LOG_FORMAT": "json",
            "CRM_LOG_LEVEL": self.extra_env.get("CRM_LOG_LEVEL", "WARNING"),
            "CRM_DATA_DIR": str(self.workdir / "data"),
            # About twenty processes share the machine's PostgreSQL (and a suite may start a
            # bed beside another one): small pools keep a bed well under a default
            # max_connections of 100, where the production default (10 kept, 10 more in a
            # burst) could exceed it. The bed's calls come a few at a time.
            "CRM_DATABASE_POOL_SIZE": self.extra_env.get("CRM_DATABASE_POOL_SIZE", "2"),
            "CRM_DATABASE_MAX_OVERFLOW": self.extra_env.get("CRM_DATABASE_MAX_OVERFLOW", "6"),
        }
        migrations = {step.service: step for step in plan.migrations}
        for manifest in self.manifests:
            step = migrations.get(manifest.name)
            database = (
                self._migrated_database(step)
                if step is not None
                else temporary_postgres_database(f"bed_{manifest.name}")
            )
            self.database_urls[manifest.name] = self._stack.enter_context(database)
        for name, url in self.database_urls.items():
            self.env[f"CRM_{name.upper()}_DATABASE_URL"] = url
        # Each service on the tests' vhost as its own broker user, as in make run and deploy/.
        provision_once(vhost_of(AMQP_URL))
        for manifest in self.manifests:
            self.env[f"CRM_{manifest.name.upper()}_AMQP_URL"] = service_amqp_url(manifest.name)
        self._run_step(
            "broker.topology",
            (sys.executable, "-m", "crm_chassis.messaging.topology_main", "declare"),
        )
        self._purge_queues()
        self._specs = {spec.label: spec for spec in plan.processes}
        for spec in plan.processes:
            self._spawn(spec.label, spec.argv, spec.env)
        deadline = time.monotonic() + timeout
        for manifest in self.manifests:
            if "api" in manifest.processes:
                self._wait_serving(manifest.name, deadline)
            if manifest.is_web:
                self._wait_web(manifest.name, deadline)

    def close(self) -> None:
        for _, process, _ in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _label, process, _ in self._processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self._stack.close()

    def stop(self, label: str, timeout: float = 20.0) -> None:
        """Stop one process (e.g. ``"deals.worker"``) gracefully: a service being down."""
        for index, (name, process, _) in enumerate(self._processes):
            if name == label and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                del self._processes[index]
                return
        raise ValueError(f"{label} is not running")

    def start_again(self, label: str) -> None:
        """Start a stopped process again with the same command and environment."""
        if any(name == label for name, _, _ in self._processes):
            raise ValueError(f"{label} is running")
        spec = self._specs[label]
        self._spawn(spec.label, spec.argv, spec.env)

    # ---------------------------------------------------------------- helpers
    def _migrated_database(self, step: ProcessSpec) -> contextlib.AbstractContextManager[str]:
        """The service's database migrated by its own migrate step (``python -m
        crm_<name>.migrate``, as make run and the Kubernetes Job run it) once per test process,
        then copied for every bed (crm_testkit.templates).

        The step runs without the bed's other CRM_ settings (addresses, timings, telemetry, the
        other services': per bed, and no migration reads them), keeping CRM_ENV and those of
        its own or of every service that may hold a key or secret a migration reads (identity's
        key-encryption key). Those are the template's key: every bed with the same ones shares
        its template."""
        others_prefixes = tuple(
            f"CRM_{m.name.upper()}_" for m in manifests.discover() if m.name != step.service
        )
        kept = {
            name: value
            for name, value in self.env.items()
            if name.startswith("CRM_")
            and not name.startswith(others_prefixes)
            and (name == "CRM_ENV" or _may_be_secret(name))
        }
        url = f"CRM_{step.service.upper()}_DATABASE_URL"
        others = {k: v for k, v in self.env.items() if not k.startswith("CRM_")}

        def migrate(database_url: str) -> None:
            self._run_step(step.label, step.argv, {**others, **kept, url: database_url})

        key = (step.argv, tuple(sorted(kept.items())))
        return migrated_postgres_database(f"bed_{step.service}", key, migrate)

    def _run_step(
        self, label: str, argv: Sequence[str], env: Mapping[str, str] | None = None
    ) -> None:
        """Run a one-off step to its end (in ``env``, the bed's environment by default)."""
        log = self.workdir / f"{label}.log"
        with open(log, "wb") as out:
            code = subprocess.call(
                list(argv),
                env=self.env if env is None else env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=180,
            )
        if code != 0:
            raise RuntimeError(f"{label} failed ({code}):\n{log.read_text()[-3000:]}")

    def _spawn(self, label: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
        log = self.workdir / f"{label}.log"
        with open(log, "ab") as out:  # a file, not a pipe: a full pipe blocks the child
            process = subprocess.Popen(
                list(argv), env={**self.env, **env}, stdout=out, stderr=subprocess.STDOUT
            )
        self._processes.append((label, process, log))

    def _purge_queues(self) -> None:
        connection, channel = amqp_channel()
        try:
            for manifest in self.manifests:
                for subscription in manifest.subscriptions:
                    channel.queue_purge(subscription.queue)
        finally:
            connection.close()

    def _wait_serving(self, service: str, deadline: float) -> None:
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(self.address(service)) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                self.check_alive()
                try:
                    status = stub.Check(  # type: ignore[attr-defined]  # set by the stub's init
                        health_pb2.HealthCheckRequest(), timeout=1
                    ).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} api not serving in time\n{self.logs()}")
                time.sleep(0.2)

    def _wait_web(self, service: str, deadline: float) -> None:
        from crm_devrun.readiness import _answers

        while _answers(self.url(service) + "healthz", 1.0) != 200:
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{service} did not answer on {self.url(service)}\n{self.logs()}"
                )
            time.sleep(0.1)

    def check_alive(self) -> None:
        """Raise, with the logs, if any process of the bed has exited."""
        dead = [
            (label, process.returncode)
            for label, process, _ in self._processes
            if process.poll() is not None
        ]
        if dead:
            raise RuntimeError(f"exited: {dead}\n{self.logs()}")

    def pid(self, label: str) -> int:
        """The process id of a running process of the bed ("territory.worker")."""
        return next(process.pid for name, process, _ in self._processes if name == label)

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU time each running process has used so far, by label (Linux /proc;
        benchmarks subtract two readings to see where a phase's CPU went)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for label, process, _ in self._processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited meanwhile
            used[label] = (int(fields[11]) + int(fields[12])) / ticks
        return used

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {label}\n{log.read_text(errors='replace')[-tail:]}"
            for label, _, log in self._processes
        )

    def address(self, service: str) -> str:
        manifest = next(m for m in self.manifests if m.name == service)
        return f"127.0.0.1:{manifest.grpc_port}"

    def url(self, service: str) -> str:
        """The base URL of a web application's process (the console), ending in "/"."""
        manifest = next(m for m in self.manifests if m.name == service)
        return f"http://127.0.0.1:{manifest.http_port}/"

    def channel(self, service: str) -> grpc.Channel:
        """A channel that retries UNAVAILABLE as the platform's own clients do
        (``crm_chassis.grpc.client``); callers send their own bearer token."""
        from crm_chassis.grpc.client import RETRY_SERVICE_CONFIG

        channel = grpc.insecure_channel(
            self.address(service),
            options=[("grpc.enable_retries", 1), ("grpc.service_config", RETRY_SERVICE_CONFIG)],
        )
        self._stack.callback(channel.close)
        return channel

    def login(self, email: str, password: str) -> str:
        from crm.identity.v1 import auth_pb2, auth_pb2_grpc

        stub = auth_pb2_grpc.AuthServiceStub(self.channel("identity"))
        return stub.Login(
            auth_pb2.LoginRequest(email=email, password=password), timeout=30
        ).access_token

    def admin_token(self) -> str:
        return self.login(ADMIN_EMAIL, ADMIN_PASSWORD)

    def wait_for(
        self, predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05
    ) -> T:
        """Poll ``predicate`` until truthy (returns it); fail with the processes' logs."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {timeout:.0f}s\n{self.logs()}")
            time.sleep(interval)
