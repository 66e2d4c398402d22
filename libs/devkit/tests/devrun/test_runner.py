"""crm-dev run as a real process over a temporary repository of fake services.

Each fake service (services/<name>/service.toml + a tiny package on PYTHONPATH) has a migrate
module that prints and an api entrypoint that prints its pid, serves the standard gRPC health on
its port (SERVING at once, or NOT_SERVING until a file named ``serve-<name>`` appears in the
repository), then loops until SIGTERM.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from crm_testkit import free_port, wait_until

API = textwrap.dedent("""
    import os, signal, sys, time
    from concurrent.futures import ThreadPoolExecutor
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    signal.signal(signal.SIGTERM, lambda *_: (print("stopping", flush=True), sys.exit(0)))
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{os.environ['CRM_{SVC}_GRPC_PORT']}")
    server.start()
    flip = os.path.join(os.environ["CRM_REPO_ROOT"], "serve-{NAME}")
    status = health_pb2.HealthCheckResponse
    servicer.set("", status.NOT_SERVING if {WAIT} else status.SERVING)
    print(f"ready pid={os.getpid()} grpc={os.environ['CRM_{SVC}_GRPC_PORT']} "
          f"metrics={os.environ['CRM_{SVC}_METRICS_PORT']} data={os.environ['CRM_DATA_DIR']}",
          flush=True)
    while True:
        if os.path.exists(flip):
            servicer.set("", status.SERVING)
        time.sleep(0.05)
""")


CRASH = "print('crashing', flush=True)\nraise SystemExit(3)\n"


def make_service(root, name, migrate_exit=0, api=None, serving=True):
    package = f"crm_{name}"
    (root / "services" / name).mkdir(parents=True)
    (root / "services" / name / "service.toml").write_text(
        textwrap.dedent(f"""
        name = "{name}"
        package = "{package}"
        grpc_port = {free_port()}
        [processes]
        api = {free_port()}
    """)
    )
    pkg = root / "pkgs" / package
    (pkg / "entrypoints").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "entrypoints" / "__init__.py").write_text("")
    (pkg / "migrate.py").write_text(f"print('migrated {name}')\nraise SystemExit({migrate_exit})\n")
    (pkg / "entrypoints" / "api.py").write_text(
        api
        or API.replace("{SVC}", name.upper())
        .replace("{NAME}", name)
        .replace("{WAIT}", str(not serving))
    )


class Runner:
    """crm-dev run in a subprocess; a thread collects its output lines."""

    def __init__(self, root, *options):
        env = {
            **os.environ,
            "CRM_REPO_ROOT": str(root),
            "PYTHONPATH": str(root / "pkgs"),
            "NO_COLOR": "1",
        }
        env.pop("CRM_DATA_DIR", None)
        self.root = root
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crm_devrun.main",
                "run",
                "--no-topology",
                "--restart-backoff",
                "0.05",
                *options,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()

    def _collect(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def pids(self, count):
        def ready():
            found = dict(re.findall(r"^\[(\S+)\] ready pid=(\d+)", self.output(), re.M))
            return found if len(found) == count else None

        found = wait_until(ready, timeout=30, message=f"{count} processes ready")
        return {label: int(pid) for label, pid in found.items()}

    def finish(self, timeout=30):
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code, self.output()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def platform(tmp_path):
    make_service(tmp_path, "alpha")
    make_service(tmp_path, "beta")
    runner = Runner(tmp_path)
    yield runner
    if runner.proc.poll() is None:  # a failed test: let the runner stop its children first
        runner.proc.terminate()
        try:
            runner.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            runner.proc.kill()
            runner.proc.wait()


def test_migrates_starts_all_prints_table_and_prefixes_output(platform):
    pids = platform.pids(2)
    wait_until(lambda: "Ctrl-C stops everything" in platform.output(), timeout=10)
    text = platform.output()

    assert text.index("[alpha.migrate] migrated alpha") < text.index("[alpha.api] ready")
    assert "[beta.migrate] migrated beta" in text
    assert f"data={platform.root / 'data'}" in text
    for label, pid in pids.items():
        service, kind = label.split(".")
        assert re.search(
            rf"{service}\s*│\s*{kind}\s*│\s*{pid}\s*│\s*127\.0\.0\.1:\d+\s*│\s*"
            r"http://127\.0\.0\.1:\d+/metrics",
            text,
        ), text
    platform.proc.send_signal(signal.SIGINT)
    platform.finish()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_everything_and_exits_0(platform, signum):
    pids = platform.pids(2)

    platform.proc.send_signal(signum)
    code, text = platform.finish()

    assert code == 0, text
    assert "[alpha.api] stopping" in text and "[beta.api] stopping" in text
    assert "all processes stopped" in text
    assert not any(alive(pid) for pid in pids.values())


def test_a_killed_process_is_restarted_and_the_others_keep_running(platform):
    pids = platform.pids(2)

    os.kill(pids["alpha.api"], signal.SIGKILL)

    def restarted():
        found = re.findall(r"^\[alpha\.api\] ready pid=(\d+)", platform.output(), re.M)
        return [int(pid) for pid in found if int(pid) != pids["alpha.api"]]

    (new_pid,) = wait_until(restarted, timeout=30, message="alpha.api was not restarted")
    text = platform.output()
    assert re.search(
        r"alpha\.api \(pid \d+\) killed by SIGKILL unexpectedly; restarting it in "
        r"0\.1 s \(crash 1 of at most 5",
        text,
    ), text
    assert f"alpha.api restarted (pid {new_pid})" in text
    assert alive(pids["beta.api"]) and "[beta.api] stopping" not in text
    platform.proc.send_signal(signal.SIGTERM)
    code, text = platform.finish()
    assert code == 0, text
    assert not alive(new_pid) and not alive(pids["beta.api"])


def test_a_crash_loop_gives_up_with_a_clear_message_and_stops_everything(tmp_path):
    make_service(tmp_path, "alpha", api=CRASH)
    make_service(tmp_path, "beta")
    runner = Runner(tmp_path, "--max-crashes", "2")

    code, text = runner.finish()

    assert code == 1, text
    assert text.count("[alpha.api] crashing") == 3  # the start and two restarts
    assert re.search(
        r"alpha\.api \(pid \d+\) exited with code 3; it crashed 3 times within "
        r"60 s: giving up on it",
        text,
    ), text
    assert "[beta.api] stopping" in text and "all processes stopped" in text


def test_failed_migration_starts_nothing(tmp_path):
    make_service(tmp_path, "alpha", migrate_exit=3)
    runner = Runner(tmp_path)

    code, text = runner.finish()

    assert code == 1
    assert "alpha.migrate failed (exited with code 3); nothing started" in text
    assert "ready pid" not in text


TABLE = "CRM platform (local)"


def test_the_table_waits_until_every_api_answers_serving(tmp_path):
    make_service(tmp_path, "alpha", serving=False)
    make_service(tmp_path, "beta")
    runner = Runner(tmp_path)
    try:
        runner.pids(2)
        wait_until(
            lambda: re.search(
                r"crm-dev: waiting for \d process(es)? to be ready: "
                r"alpha\.api",
                runner.output(),
            ),
            timeout=30,
            message=runner.output(),
        )
        assert TABLE not in runner.output() and "Ctrl-C stops everything" not in runner.output()

        (tmp_path / "serve-alpha").write_text("")

        wait_until(
            lambda: "Ctrl-C stops everything" in runner.output(),
            timeout=30,
            message=runner.output(),
        )
        text = runner.output()
        assert text.index("crm-dev: waiting for") < text.index(TABLE)
        assert "not ready after" not in text
    finally:
        runner.proc.send_signal(signal.SIGTERM)
    code, text = runner.finish()
    assert code == 0, text


def test_after_the_ready_timeout_the_table_names_what_is_not_ready_and_keeps_running(tmp_path):
    make_service(tmp_path, "alpha", serving=False)
    make_service(tmp_path, "beta")
    runner = Runner(tmp_path, "--ready-timeout", "0")
    try:
        wait_until(
            lambda: "Ctrl-C stops everything" in runner.output(),
            timeout=30,
            message=runner.output(),
        )
        text = runner.output()
        assert TABLE in text
        assert re.search(
            r"not ready after 0 s: alpha\.api(, beta\.api)? \(see their output above\); "
            "running anyway",
            text,
        ), text
        assert runner.proc.poll() is None
    finally:
        runner.proc.send_signal(signal.SIGTERM)
    code, text = runner.finish()
    assert code == 0, text
