"""Each service installs from its pyproject.toml alone: per service, a clean virtualenv gets
the chassis and that service with `pip install` from the local paths, offline (``--no-index``)
from a wheelhouse that holds only what their declared dependencies resolve to, and then
imports every entrypoint, starts each of its process mains as far as their usage (``--help``),
turns tracing on (the OpenTelemetry SDK and exporter import) and migrates a database. A
dependency a package imports but does not declare fails here with ModuleNotFoundError.

The wheelhouse (``.tools/wheels``, kept between runs) is filled by ``pip download`` of the
packages with the repository's constraints when the offline install finds something missing. The generated
protos (``crm.*``) are not a distribution: as in the images, gen/python is put on the path
with a .pth file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".tools" / "wheels"
CHASSIS = ROOT / "libs" / "chassis"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
CHASSIS_ENTRYPOINTS = [
    "crm_chassis.outbox.relay_main",
    "crm_chassis.messaging.worker_main",
    "crm_chassis.messaging.topology_main",
    "crm_chassis.grpc.healthcheck",
    "crm_chassis.tracing",
]


class Installed(NamedTuple):
    python: Path  # the clean virtualenv's interpreter
    service: str  # the one service installed in it


def has_database(service: str) -> bool:
    """A web application (the console) keeps no data: no migrations, no migrate entrypoint."""
    return (ROOT / "services" / service / "migrations").is_dir()


def entrypoints(service: str) -> list[str]:
    folder = ROOT / "services" / service / f"crm_{service}" / "entrypoints"
    own = [
        f"crm_{service}.entrypoints.{p.stem}"
        for p in sorted(folder.glob("*.py"))
        if p.stem != "__init__"
    ]
    migrate = [f"crm_{service}.migrate"] if has_database(service) else []
    return [*own, *migrate, *CHASSIS_ENTRYPOINTS]


def run(*argv: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{argv}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def pip_install(python: Path, *targets: str | Path) -> subprocess.CompletedProcess[str]:
    """``pip install`` offline, from the wheelhouse, with the repository's constraints."""
    return subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            "-c",
            str(ROOT / "constraints.txt"),
            *map(str, targets),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def install(python: Path, *targets: str | Path, download: list[Path]) -> None:
    """Install ``targets``; when the wheelhouse lacks something, fill it from the ``download``
    packages' dependencies and try again."""
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    installed = pip_install(python, *targets)
    if installed.returncode != 0:
        run(
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--dest",
            WHEELHOUSE,
            "-c",
            ROOT / "constraints.txt",
            *download,
        )
        installed = pip_install(python, *targets)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]


def purelib(python: Path) -> Path:
    found = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    return Path(found.stdout.strip())


@pytest.fixture(scope="module")
def chassis_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chassis alone, as a regular package (from a copy: a build writes into its source
    folder), in a clean virtualenv the services' virtualenvs build on."""
    scratch = tmp_path_factory.mktemp("clean-chassis")
    run(sys.executable, "-m", "venv", scratch / "venv")
    chassis = scratch / "chassis"
    shutil.copytree(CHASSIS, chassis, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info"))
    python = scratch / "venv" / "bin" / "python"
    install(python, chassis, download=[CHASSIS])
    return python


@pytest.fixture(scope="module", params=SERVICES)
def clean_venv(
    request: pytest.FixtureRequest, chassis_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    """One service, editable as the images install it (its migrations/ and service.toml stay
    beside the package), in a clean virtualenv of its own that sees the chassis's (a .pth
    file): what the service declares beyond the chassis is installed here, and nothing another
    service declares is on its path. Building on one chassis installation keeps five
    installations from costing five times the chassis's dependencies."""
    service = request.param
    venv = tmp_path_factory.mktemp(f"clean-{service}") / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    own = purelib(python)
    (own / "crm-chassis-venv.pth").write_text(f"{purelib(chassis_venv)}\n")
    (own / "crm-gen.pth").write_text(f"{ROOT / 'gen' / 'python'}\n")
    # The fallback download resolves the service's crm-chassis requirement from the chassis's
    # copy (it is on no index), so the service's own dependencies reach the wheelhouse too.
    chassis = chassis_venv.parents[2] / "chassis"
    install(
        python, "-e", ROOT / "services" / service, download=[chassis, ROOT / "services" / service]
    )
    return Installed(python, service)


def test_the_declared_dependencies_install_and_nothing_else(clean_venv: Installed) -> None:
    installed = run(clean_venv.python, "-m", "pip", "list", "--format=freeze").stdout.lower()
    for runtime in ("nameko==", "sqlalchemy==", "grpcio==", "pika==", "structlog=="):
        assert runtime in installed
    for dev_tool in ("pytest", "ruff", "mypy", "hypothesis", "grpcio-tools", "import-linter"):
        assert f"{dev_tool}==" not in installed, f"{dev_tool} came with the runtime"
    assert "crm-devkit" not in installed


def test_the_runtime_carries_no_dev_runner_or_test_kit(clean_venv: Installed) -> None:
    code = (
        "import importlib.util, sys\n"
        "found = [n for n in sys.argv[1:] if importlib.util.find_spec(n) is not None]\n"
        "print(found)\n"
        "sys.exit(1 if found else 0)\n"
    )
    run(clean_venv.python, "-c", code, "crm_testkit", "crm_devrun", cwd="/")
    chassis = run(
        clean_venv.python,
        "-c",
        "import crm_chassis, pathlib; print(pathlib.Path(crm_chassis.__file__).parent)",
    ).stdout.strip()
    leftovers = [
        str(p.relative_to(chassis))
        for p in Path(chassis).rglob("*.py")
        if p.stem in ("testing", "devrun", "pytest_broker", "echo") or "devrun" in p.parts
    ]
    assert leftovers == []


def test_every_entrypoint_imports(clean_venv: Installed) -> None:
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    run(clean_venv.python, "-c", code, *entrypoints(clean_venv.service), cwd="/")


def test_the_process_mains_start(clean_venv: Installed) -> None:
    """As far as their usage: the relay's and topology's --help, the worker's usage line (the
    api main serves at once: its module imports above; migrate runs below)."""
    assert (
        "--service"
        in run(clean_venv.python, "-m", "crm_chassis.outbox.relay_main", "--help").stdout
    )
    run(clean_venv.python, "-m", "crm_chassis.messaging.topology_main", "--help")
    worker = subprocess.run(
        [str(clean_venv.python), "-m", "crm_chassis.messaging.worker_main"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 2 and "usage" in worker.stderr, worker.stderr[-2000:]


def test_tracing_turns_on_with_an_endpoint(clean_venv: Installed) -> None:
    code = (
        "from crm_chassis import tracing\n"
        "from crm_chassis.settings import ServiceSettings\n"
        "env = {'CRM_OTLP_ENDPOINT': 'http://127.0.0.1:9/v1/traces'}\n"
        "assert tracing.configure(ServiceSettings.load('x', env=env), 'api')\n"
        "tracing.shutdown()\n"
    )
    run(clean_venv.python, "-c", code, cwd="/")


def test_the_service_migrates_a_database(clean_venv: Installed, tmp_path: Path) -> None:
    service = clean_venv.service
    if not has_database(service):
        pytest.skip(f"{service} keeps no data (a web application): nothing to migrate")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        "CRM_REPO_ROOT": str(ROOT),
        "CRM_ENV": "test",
        f"CRM_{service.upper()}_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
    }
    run(clean_venv.python, "-m", f"crm_{service}.migrate", env=env, cwd=tmp_path)
    tables = run(
        clean_venv.python,
        "-c",
        "import sqlite3, sys; print(sorted(r[0] for r in sqlite3.connect(sys.argv[1])"
        ".execute(\"select name from sqlite_master where type='table'\")))",
        tmp_path / "service.db",
    ).stdout
    assert f"alembic_version_{service}" in tables and "outbox" in tables
