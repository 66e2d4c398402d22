"""The seeded fault schedule of a chaos run and the thread that fires it.

Faults are placed at random points of the workload's progress (the share of captures answered),
not at wall-clock times: the same seed fires the same faults at the same progress on a fast or a
loaded machine, so a failing run can be replayed (``CRM_CHAOS_SEED``).
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass

import chaos_bed
from chaos_bed import ChaosBed


@dataclass
class Fault:
    at_progress: float
    kind: str  # kill, close_connections, terminate_backends, broker_restart, pg_restart
    target: str = ""  # the process label of a kill
    pause: float = 0.0  # seconds until the killed process is restarted / the broker is down
    fired_at: float | None = None
    ended_at: float | None = None
    detail: str = ""

    def describe(self) -> str:
        what = {
            "kill": f"SIGKILL {self.target}, restarted after {self.pause:.1f} s",
            "close_connections": "close every broker connection of the vhost",
            "terminate_backends": "pg_terminate_backend on the platform's databases",
            "broker_restart": f"RabbitMQ stop_app/start_app, down {self.pause:.1f} s",
            "pg_restart": "PostgreSQL restart",
        }[self.kind]
        return f"{self.at_progress:5.1%} {what}{' (' + self.detail + ')' if self.detail else ''}"


def flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def schedule(
    rng: random.Random,
    labels: list[str],
    *,
    connection_closes: int = 3,
    backend_terminations: int = 3,
) -> list[Fault]:
    """Each process SIGKILLed once, broker connections closed and database backends terminated
    a few times, plus the opt-in machine-wide restarts; at random points of 5..85 % progress."""
    faults = [Fault(0, "kill", label, round(rng.uniform(0.2, 3.0), 1)) for label in labels]
    faults += [Fault(0, "close_connections") for _ in range(connection_closes)]
    faults += [Fault(0, "terminate_backends") for _ in range(backend_terminations)]
    if flag("CRM_CHAOS_BROKER_RESTART"):
        faults.append(Fault(0, "broker_restart", pause=round(rng.uniform(3, 8), 1)))
    if flag("CRM_CHAOS_PG_RESTART"):
        faults.append(Fault(0, "pg_restart"))
    for fault in faults:
        fault.at_progress = round(rng.uniform(0.05, 0.85), 4)
    return sorted(faults, key=lambda f: f.at_progress)


class FaultDriver(threading.Thread):
    """Fires each fault once the workload's progress reaches it, and supervises the bed (due
    restarts, processes that exited on their own) until told to stop."""

    def __init__(self, bed: ChaosBed, faults: list[Fault], progress):
        super().__init__(name="faults", daemon=True)
        self.bed, self.faults, self.progress = bed, faults, progress
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.failures: list[str] = []  # faults that could not be injected

    def run(self) -> None:
        try:
            pending = list(self.faults)
            while not (self.stopping.is_set() and not pending and not self.bed.restarts_pending()):
                self.bed.supervise()
                if pending and self.progress() >= pending[0].at_progress:
                    fault = pending.pop(0)
                    try:
                        self.fire(fault)
                    except Exception as exc:  # noqa: BLE001 - the run fails on it at the end
                        # Keep supervising: a process waiting for its restart must get it.
                        fault.detail = f"not injected: {exc!r}"[:300]
                        fault.ended_at = time.monotonic()
                        self.failures.append(fault.describe())
                    continue
                time.sleep(0.1)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def fire(self, fault: Fault) -> None:
        fault.fired_at = time.monotonic()
        if fault.kind == "kill":
            self.bed.kill(fault.target, fault.pause)
            fault.ended_at = fault.fired_at + fault.pause
        elif fault.kind == "close_connections":
            chaos_bed.close_broker_connections()
        elif fault.kind == "terminate_backends":
            fault.detail = f"{chaos_bed.terminate_backends(self.bed)} sessions"
        elif fault.kind == "broker_restart":
            chaos_bed.restart_broker(fault.pause)
        elif fault.kind == "pg_restart":
            chaos_bed.restart_postgres()
        if fault.ended_at is None:
            fault.ended_at = time.monotonic()

    def last_fault_end(self) -> float:
        return max(f.ended_at for f in self.faults if f.ended_at is not None)
