"""Starting the api under measurement in its own process (as in production: no client in its
GIL), shared by the benchmarks; and sampling such a process with py-spy (``BENCH_PROFILE``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping

from crm_chassis.grpc.healthcheck import serving
from crm_testkit import free_port


@contextlib.contextmanager
def api_process(service: str, env: Mapping[str, str], timeout: float = 30.0) -> Iterator[str]:
    """``python -m crm_<service>.entrypoints.api`` on a free port with ``CRM_ENV=test`` and ``env``
    added; yields its address once its health service answers SERVING; stops it afterwards."""
    port = free_port()
    prefix = f"CRM_{service.upper()}_"
    full_env = {
        **os.environ,
        "CRM_ENV": "test",
        prefix + "GRPC_PORT": str(port),
        prefix + "METRICS_PORT": "0",
        "CRM_LOG_LEVEL": "WARNING",
        **env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", f"crm_{service}.entrypoints.api"],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not serving(address, timeout=1):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{service} api did not start: "
                    + proc.stderr.read().decode(errors="replace")[-2000:]
                )
            time.sleep(0.1)
        yield address
    finally:
        _stop(proc, lambda: proc.terminate())


class Address(str):
    """host:port of a server the bench started, with the ``pid`` of its process."""

    pid: int


@contextlib.contextmanager
def serving_child(
    argv: list[str], env: Mapping[str, str] | None = None, what: str = "api"
) -> Iterator[Address]:
    """A child that prints ``PORT <n>`` once it serves and stops when its stdin closes (the
    benches that serve with test keys in place of identity's)."""
    proc = subprocess.Popen(
        [sys.executable, *argv],
        env={**os.environ, **(env or {})},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{what} did not start: {line!r}")
        address = Address(f"127.0.0.1:{int(line.split()[1])}")
        address.pid = proc.pid
        yield address
    finally:
        _stop(proc, proc.stdin.close)
        proc.stdout.close()


def _stop(proc: subprocess.Popen, ask) -> None:
    ask()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def sampled(pid: int, name: str) -> Iterator[None]:
    """With ``BENCH_PROFILE=<folder>`` set, py-spy samples process ``pid`` while the block runs
    and writes ``<folder>/<name>.txt`` (collapsed stacks, one "frame;frame;... count" a line).
    Without it, nothing happens."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        yield
        return
    os.makedirs(folder, exist_ok=True)
    spy = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--nonblocking",
            "--output",
            os.path.join(folder, f"{name}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
