"""``make run``'s platform for the demo: found answering on its fixed ports, or started in the
background (``crm-dev run``, its output in data/demo-platform.log) and left running so the person
can open the console afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from crm_devrun.demo.calls import StepFailed
from crm_devrun.demo.state import Say
from crm_devrun.plan import Plan
from crm_devrun.readiness import is_ready, wait_ready

START_TIMEOUT_SECONDS = 180.0


def ensure_running(plan: Plan, root: Path, say: Say) -> None:
    """Return once every api and the console answer; start ``crm-dev run`` when none does."""
    fronts = [spec for spec in plan.processes if spec.grpc_address or spec.http_url]
    answering = [spec.label for spec in fronts if is_ready(spec, 1.0)]
    if len(answering) == len(fronts):
        apis = sum(1 for spec in fronts if spec.grpc_address)
        say(f"platform: make run's platform answers (gRPC apis: {apis}, console)")
        return
    if answering:
        silent = [spec.label for spec in fronts if spec.label not in answering]
        raise StepFailed(
            "platform",
            f"part of make run's platform answers ({', '.join(answering)}) but not "
            f"{', '.join(silent)}: wait until make run prints its table, or stop it and run "
            "make demo again (it then starts the platform itself)",
        )
    log_path = root / "data" / "demo-platform.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    runner = Path(sys.executable).with_name("crm-dev")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(runner), "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives this command: the person opens the console next
            env=dict(os.environ),
        )
    say(
        f"platform: nothing answered on make run's ports, so `crm-dev run` was started in the "
        f"background (pid {process.pid}, output in {log_path.relative_to(root)}); it keeps "
        f"running after the demo: stop it with `kill -INT {process.pid}`"
    )
    stop = threading.Event()

    def watch() -> None:
        process.wait()
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    not_ready = wait_ready(plan.processes, stop, say, timeout=START_TIMEOUT_SECONDS)
    if not_ready is None:
        raise StepFailed(
            "platform", f"crm-dev run exited with status {process.returncode}; see {log_path}"
        )
    if not_ready:
        raise StepFailed(
            "platform",
            f"not ready after {START_TIMEOUT_SECONDS:.0f} s: {', '.join(not_ready)}; see {log_path}",
        )
    say("platform: ready")
