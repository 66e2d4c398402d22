"""Runs processes side by side with prefixed output, restarts crashed ones, stops them together.

Each child gets its own process group, so a terminal's Ctrl-C reaches only the runner, which then
stops the children in order (SIGTERM to the group, a grace period, SIGKILL for stragglers). A
child that exits on its own is restarted as Kubernetes would restart its pod, after an
exponential backoff (``RestartPolicy``), and the runner prints that it did; the other processes
keep running. A process that crashes ``max_crashes`` times within ``window_seconds`` is a crash
loop a restart does not mend: the runner then gives up, says so, and stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from crm_devrun.plan import ProcessSpec

_COLOURS = ("36", "33", "35", "32", "34", "91", "96", "93", "95", "92", "94")


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Running:
    spec: ProcessSpec
    popen: subprocess.Popen[bytes]
    reader: threading.Thread

    @property
    def pid(self) -> int:
        return self.popen.pid


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff before restart n (1-based): ``backoff_seconds * 2**(n-1)``, at most
    ``max_backoff_seconds``; crashes counted within the last ``window_seconds``."""

    max_crashes: int = 5  # 0: never restart (the first exit stops everything)
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 10.0
    window_seconds: float = 60.0

    def delay(self, recent_crashes: int) -> float:
        delay: float = self.backoff_seconds * 2 ** max(0, recent_crashes - 1)
        return min(self.max_backoff_seconds, delay)


@dataclass
class _Crashes:
    times: list[float] = field(default_factory=list)
    restart_at: float | None = None


class Supervisor:
    def __init__(self, out: IO[str], *, colour: bool, base_env: Mapping[str, str]) -> None:
        self.out = out
        self.colour = colour
        self.base_env = dict(base_env)
        self.running: list[Running] = []
        self._lock = threading.Lock()
        self._labels: dict[str, str] = {}

    # ------------------------------------------------------------------ output
    def _prefix(self, label: str) -> str:
        if label not in self._labels:
            text = f"[{label}]"
            if self.colour:
                code = _COLOURS[len(self._labels) % len(_COLOURS)]
                text = f"\x1b[{code}m{text}\x1b[0m"
            self._labels[label] = text
        return self._labels[label]

    def say(self, text: str) -> None:
        """A line of the runner's own (not prefixed by a process)."""
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def _pump(self, label: str, stream: IO[bytes]) -> None:
        prefix = self._prefix(label)
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._lock:
                self.out.write(f"{prefix} {line}\n")
                self.out.flush()
        stream.close()

    # ------------------------------------------------------------------ processes
    def _spawn(self, spec: ProcessSpec) -> Running:
        env = {**os.environ, **self.base_env, **spec.env}
        popen = subprocess.Popen(
            list(spec.argv),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        reader = threading.Thread(
            target=self._pump,
            args=(spec.label, popen.stdout),
            name=f"out-{spec.label}",
            daemon=True,
        )
        reader.start()
        return Running(spec, popen, reader)

    def run_step(self, spec: ProcessSpec, stop: threading.Event) -> int | None:
        """Run a one-off step (migration, topology) to its end; None if stopped meanwhile."""
        step = self._spawn(spec)
        while step.popen.poll() is None:
            if stop.wait(0.1):
                self._terminate([step], grace_seconds=10)
                return None
        step.reader.join()
        return step.popen.returncode

    def start(self, specs: Sequence[ProcessSpec]) -> None:
        for spec in specs:
            self.running.append(self._spawn(spec))

    def supervise(self, stop: threading.Event, policy: RestartPolicy) -> Running | None:
        """Restart processes that exit, with backoff, until ``stop`` is set (None) or one
        crashes ``policy.max_crashes`` times within the window (that one is returned)."""
        crashes: dict[str, _Crashes] = {}
        while not stop.is_set():
            now = time.monotonic()
            for index, proc in enumerate(list(self.running)):
                label = proc.spec.label
                record = crashes.setdefault(label, _Crashes())
                if record.restart_at is not None:
                    if now >= record.restart_at:
                        record.restart_at = None
                        self.running[index] = self._spawn(proc.spec)
                        self.say(f"crm-dev: {label} restarted (pid {self.running[index].pid})")
                    continue
                if proc.popen.poll() is None:
                    continue
                proc.reader.join(timeout=2)  # its last words before the verdict
                record.times = [t for t in record.times if now - t < policy.window_seconds]
                record.times.append(now)
                what = f"{label} (pid {proc.pid}) {describe_exit(proc.popen.returncode)}"
                if len(record.times) > policy.max_crashes:
                    if policy.max_crashes:
                        self.say(
                            f"crm-dev: {what}; it crashed {len(record.times)} times within "
                            f"{policy.window_seconds:.0f} s: giving up on it"
                        )
                    return proc
                delay = policy.delay(len(record.times))
                record.restart_at = now + delay
                self.say(
                    f"crm-dev: {what} unexpectedly; restarting it in {delay:.1f} s "
                    f"(crash {len(record.times)} of at most {policy.max_crashes} within "
                    f"{policy.window_seconds:.0f} s)"
                )
            stop.wait(0.1)
        return None

    def stop_all(self, grace_seconds: float = 10.0) -> list[str]:
        """SIGTERM everything, wait up to ``grace_seconds``, SIGKILL what is left; return the
        labels that had to be killed."""
        return self._terminate(self.running, grace_seconds)

    def _terminate(self, procs: Sequence[Running], grace_seconds: float) -> list[str]:
        for proc in procs:
            _signal_group(proc.popen, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for proc in procs:
            try:
                proc.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        killed = []
        for proc in procs:
            if proc.popen.poll() is None:
                killed.append(proc.spec.label)
            _signal_group(proc.popen, signal.SIGKILL)  # also any grandchild left in the group
            proc.popen.wait()
        for proc in procs:
            proc.reader.join(timeout=2)
        return killed


def _signal_group(popen: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(popen.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
