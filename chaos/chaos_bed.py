"""The platform under faults: a PlatformBed whose processes can be SIGKILLed and restarted, that
restarts whatever exits on its own (as Kubernetes or ``crm-dev run`` would), and the faults the
chaos suite injects into the platform's own databases and broker virtual host.

Every fault touches only what this run owns: its databases (``pg_terminate_backend`` filtered by
database name), its RabbitMQ virtual host (``rabbitmqctl close_all_connections --vhost``). The
two faults that would hit everybody on the machine — stopping RabbitMQ's application and
restarting PostgreSQL — run only when asked for (``CRM_CHAOS_BROKER_RESTART=1``,
``CRM_CHAOS_PG_RESTART=1``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from crm_devrun.bed import PlatformBed
from crm_testkit import AMQP_URL, PG_ADMIN_URL
from crm_testkit.pytest_broker import vhost_of

VHOST = vhost_of(AMQP_URL)


@dataclass
class Revival:
    label: str
    code: int
    at: float


@dataclass
class ProcessLog:
    """What happened to the processes: kills by the suite, exits on their own, restarts."""

    kills: list[tuple[str, float]] = field(default_factory=list)
    revivals: list[Revival] = field(default_factory=list)


class ChaosBed(PlatformBed):
    """A PlatformBed with SIGKILL, delayed restart and a supervisor; thread-safe between the
    fault driver and the main thread (one lock around the process list)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()
        self.history = ProcessLog()
        self._restart_at: dict[str, float] = {}
        self._engines = {}

    # ---------------------------------------------------------------- processes
    def labels(self, kinds=("api", "worker", "relay")) -> list[str]:
        return [spec_label for spec_label, spec in self._specs.items() if spec.kind in kinds]

    def kill(self, label: str, restart_after: float) -> None:
        """SIGKILL ``label`` (no chance to finish anything) and restart it ``restart_after``
        seconds later (``supervise`` does)."""
        with self.lock:
            for index, (name, process, _) in enumerate(self._processes):
                if name == label:
                    if process.poll() is None:
                        process.send_signal(signal.SIGKILL)
                    process.wait()
                    del self._processes[index]
                    break
            self.history.kills.append((label, time.monotonic()))
            self._restart_at[label] = time.monotonic() + restart_after

    def supervise(self) -> None:
        """Restart due processes; restart a process that exited on its own at once (recorded:
        a process should ride through a fault, not exit)."""
        with self.lock:
            now = time.monotonic()
            for label, due in list(self._restart_at.items()):
                if now >= due:
                    del self._restart_at[label]
                    self.start_again(label)
            for label, process, _ in list(self._processes):
                code = process.poll()
                if code is not None:
                    self._processes.remove((label, process, _))
                    self.history.revivals.append(Revival(label, code, now))
                    self.start_again(label)

    def restarts_pending(self) -> bool:
        with self.lock:
            return bool(self._restart_at)

    def check_alive(self) -> None:
        """Processes are restarted by ``supervise``; a bed wait never fails for an exit."""

    def log_of(self, label: str) -> str:
        path = self.workdir / f"{label}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, predicate, timeout: float, what: str, interval: float = 0.5):
        deadline = time.monotonic() + timeout
        while True:
            self.supervise()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {timeout:.0f}s\n{self.logs()}")
            time.sleep(interval)

    # ---------------------------------------------------------------- databases
    def engine(self, service: str):
        if service not in self._engines:
            self._engines[service] = create_engine(
                self.database_urls[service], pool_size=1, max_overflow=1, pool_pre_ping=True
            )
            self._stack.callback(self._engines[service].dispose)
        return self._engines[service]

    def query(self, service: str, sql: str, **params):
        """Rows of ``sql`` on ``service``'s database; retried while a fault keeps it away."""
        for attempt in range(60):
            try:
                with self.engine(service).connect() as conn:
                    return conn.execute(text(sql), params).all()
            except Exception:
                if attempt == 59:
                    raise
                self.engine(service).dispose()
                time.sleep(0.5)

    def scalar(self, service: str, sql: str, **params):
        return self.query(service, sql, **params)[0][0]

    def database_names(self) -> list[str]:
        return [url.rsplit("/", 1)[1].split("?")[0] for url in self.database_urls.values()]


# -------------------------------------------------------------------- faults
def terminate_backends(bed: ChaosBed) -> int:
    """pg_terminate_backend every session on this run's databases (the relays' advisory locks
    go with them); returns how many."""
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    # The server is the machine's: its connection slots are shared with everyone on it, and
    # "too many clients" is theirs as much as ours. Wait for a slot rather than skip the fault.
    for attempt in range(120):
        try:
            with admin.connect() as conn:
                return conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                    ),
                    {"names": bed.database_names()},
                ).scalar_one()
        except OperationalError:
            if attempt == 119:
                raise
            time.sleep(0.5)


def rabbitmqctl(*args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        [os.environ.get("CRM_RABBITMQCTL", "rabbitmqctl"), "-q", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr.strip()[-400:]}")
    return done.stdout


def close_broker_connections() -> None:
    """Close every connection on this run's vhost (relays, workers, nothing of anyone else)."""
    for attempt in range(5):  # rabbitmqctl itself can fail on a busy broker node
        try:
            rabbitmqctl("close_all_connections", "--vhost", VHOST, "crm chaos: connections closed")
            return
        except (RuntimeError, subprocess.TimeoutExpired):
            if attempt == 4:
                raise
            time.sleep(1)


def restart_broker(down_seconds: float) -> None:
    """Stop RabbitMQ's application and start it again (the whole machine's broker)."""
    rabbitmqctl("stop_app")
    try:
        time.sleep(down_seconds)
    finally:
        rabbitmqctl("start_app", timeout=120)
        rabbitmqctl("await_startup", timeout=120)


def restart_postgres() -> None:
    """Restart the local PostgreSQL server (the whole machine's: opt-in)."""
    command = os.environ.get(
        "CRM_CHAOS_PG_RESTART_COMMAND", "pg_ctlcluster 15 main restart -m fast"
    )
    subprocess.run(command.split(), check=True, capture_output=True, timeout=120)


def queues(manifests) -> dict[str, tuple[int, int]]:
    """Every handler queue of ``manifests`` and its dead-letter queue on this run's vhost:
    (messages ready, consumers). Passive declares on a fresh connection (a fault may have closed
    the last one); rabbitmqctl would start an Erlang VM per call."""
    import pika.exceptions

    from crm_testkit import amqp_channel

    names = [
        q for m in manifests for sub in m.subscriptions for q in (sub.queue, sub.queue + ".dlq")
    ]
    for attempt in range(30):
        try:
            connection, _ = amqp_channel()
            break
        except pika.exceptions.AMQPError:
            if attempt == 29:
                raise
            time.sleep(1)
    found = {}
    try:
        for name in names:
            channel = connection.channel()
            try:
                method = channel.queue_declare(queue=name, passive=True).method
                found[name] = (method.message_count, method.consumer_count)
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass  # not declared (yet)
    finally:
        if connection.is_open:
            connection.close()
    return found
