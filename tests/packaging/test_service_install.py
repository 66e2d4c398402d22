"""A service installs from its pyproject.toml alone: a clean virtualenv gets the chassis and
catalog with `pip install` from the local paths, offline (``--no-index``) from a wheelhouse
that holds only what their declared dependencies resolve to, and then imports every
entrypoint and migrates a database. A dependency a package imports but does not declare fails
here with ModuleNotFoundError.

The wheelhouse (``.tools/wheels``, kept between runs) is filled by ``pip download`` of the two
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

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".tools" / "wheels"
PACKAGES = [ROOT / "libs" / "chassis", ROOT / "services" / "catalog"]
ENTRYPOINTS = [
    "crm_catalog.entrypoints.api",
    "crm_catalog.entrypoints.wiring",
    "crm_catalog.migrate",
    "crm_chassis.outbox.relay_main",
    "crm_chassis.messaging.worker_main",
    "crm_chassis.messaging.topology_main",
    "crm_chassis.grpc.healthcheck",
]


def run(*argv: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{argv}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def pip_install(python: Path, chassis: Path) -> subprocess.CompletedProcess[str]:
    """Install the chassis as a regular package (from a copy: a build writes into its source
    folder) and the service editable, as the images install it (its migrations/ and
    service.toml stay beside the package); offline, from the wheelhouse."""
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
            str(chassis),
            "-e",
            str(PACKAGES[1]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("clean")
    venv = scratch / "venv"
    run(sys.executable, "-m", "venv", venv)
    chassis = scratch / "chassis"
    shutil.copytree(
        PACKAGES[0], chassis, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info")
    )
    python = venv / "bin" / "python"
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    installed = pip_install(python, chassis)
    if installed.returncode != 0:  # the wheelhouse lacks something: fill it, then again
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
            *PACKAGES,
        )
        installed = pip_install(python, chassis)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(purelib.stdout.strip()) / "crm-gen.pth").write_text(f"{ROOT / 'gen' / 'python'}\n")
    return python


def test_the_declared_dependencies_install_and_nothing_else(clean_venv: Path) -> None:
    installed = run(clean_venv, "-m", "pip", "list", "--format=freeze").stdout.lower()
    for runtime in ("nameko==", "sqlalchemy==", "grpcio==", "pika==", "structlog=="):
        assert runtime in installed
    for dev_tool in ("pytest", "ruff", "mypy", "hypothesis", "grpcio-tools", "import-linter"):
        assert f"{dev_tool}==" not in installed, f"{dev_tool} came with the runtime"
    assert "crm-devkit" not in installed


def test_the_runtime_carries_no_dev_runner_or_test_kit(clean_venv: Path) -> None:
    code = (
        "import importlib.util, sys\n"
        "found = [n for n in sys.argv[1:] if importlib.util.find_spec(n) is not None]\n"
        "print(found)\n"
        "sys.exit(1 if found else 0)\n"
    )
    run(clean_venv, "-c", code, "crm_testkit", "crm_devrun", cwd="/")
    chassis = run(
        clean_venv,
        "-c",
        "import crm_chassis, pathlib; print(pathlib.Path(crm_chassis.__file__).parent)",
    ).stdout.strip()
    leftovers = [
        str(p.relative_to(chassis))
        for p in Path(chassis).rglob("*.py")
        if p.stem in ("testing", "devrun", "pytest_broker", "echo") or "devrun" in p.parts
    ]
    assert leftovers == []


def test_every_entrypoint_imports(clean_venv: Path) -> None:
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    run(clean_venv, "-c", code, *ENTRYPOINTS, cwd="/")


def test_the_service_migrates_a_database(clean_venv: Path, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        "CRM_REPO_ROOT": str(ROOT),
        "CRM_CATALOG_DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
    }
    run(clean_venv, "-m", "crm_catalog.migrate", env=env, cwd=tmp_path)
    tables = run(
        clean_venv,
        "-c",
        "import sqlite3, sys; print(sorted(r[0] for r in sqlite3.connect(sys.argv[1])"
        ".execute(\"select name from sqlite_master where type='table'\")))",
        tmp_path / "catalog.db",
    ).stdout
    assert "alembic_version_catalog" in tables and "outbox" in tables
