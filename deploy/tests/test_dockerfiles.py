"""The Dockerfiles: hadolint clean, and the platform's own rules (deploy/docker/lint.py): outside
images pinned by digest (a required build argument where no digest is written down), one
image per process kind, the HEALTHCHECK on the api's only, a numeric non-root user."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1]
ROOT = DEPLOY.parent
DOCKERFILES = [DEPLOY / "docker" / "base.Dockerfile", *sorted(ROOT.glob("services/*/Dockerfile"))]
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
    "hadolint"
)


def _load_lint():
    spec = importlib.util.spec_from_file_location("dockerfile_lint", DEPLOY / "docker" / "lint.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


lint = _load_lint()

SERVICE = """\
ARG BASE=crm/base:0.1.0
FROM ${BASE} AS runtime
COPY services/x ./services/x
USER 10001

FROM runtime AS worker
CMD ["python", "-m", "worker"]

FROM runtime AS relay
CMD ["python", "-m", "relay"]

FROM runtime AS api
HEALTHCHECK CMD ["python", "-m", "crm_chassis.grpc.healthcheck", "127.0.0.1:1"]
CMD ["python", "-m", "api"]
"""
KINDS = ["api", "worker", "relay"]


def problems(tmp_path: Path, text: str, kinds: list[str] | None = None) -> list[str]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return lint.check(path, kinds)


def test_the_committed_dockerfiles_pass_the_platforms_rules():
    assert lint.main() == 0


@pytest.mark.skipif(HADOLINT is None, reason="hadolint (requirements-dev.txt) not installed")
def test_the_committed_dockerfiles_lint_clean_with_hadolint():
    done = subprocess.run(
        [HADOLINT, "--no-color", *map(str, DOCKERFILES)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_outside_image_by_tag_alone_is_refused(tmp_path):
    (problem,) = problems(tmp_path, "FROM python:3.11-slim\nRUN true\n")
    assert "not pinned by digest" in problem


def test_a_digest_pins_it_literally_or_by_a_required_argument(tmp_path):
    digest = "sha256:" + "ab" * 32
    assert problems(tmp_path, f"FROM python:3.11-slim@{digest} AS a\nFROM a\n") == []
    required = "ARG PYTHON_DIGEST\nFROM python:3.11-slim@${PYTHON_DIGEST}\n"
    assert problems(tmp_path, required) == []
    (defaulted,) = problems(tmp_path, f"ARG PYTHON_DIGEST={digest}\n" + required.split("\n")[1])
    assert "has a default" in defaulted
    (undeclared,) = problems(tmp_path, "FROM python:3.11-slim@${PYTHON_DIGEST}\n")
    assert "not declared" in undeclared


def test_a_service_image_per_kind_with_the_healthcheck_on_the_api_only(tmp_path):
    assert problems(tmp_path, SERVICE, KINDS) == []
    inherited = SERVICE.replace("USER 10001\n", "USER 10001\nHEALTHCHECK CMD true\n")
    assert any("`runtime` has a HEALTHCHECK" in p for p in problems(tmp_path, inherited, KINDS))
    no_worker = SERVICE.replace("AS worker", "AS other")
    assert any("no stage `worker`" in p for p in problems(tmp_path, no_worker, KINDS))
    api_first = SERVICE.replace("AS api", "AS api2").replace("AS relay", "AS api")
    assert any("last stage must be `api`" in p for p in problems(tmp_path, api_first, ["api"]))
    by_name = SERVICE.replace("USER 10001", "USER crm")
    assert any("non-root USER" in p for p in problems(tmp_path, by_name, KINDS))
    as_root = SERVICE.replace("USER 10001", "USER 0")
    assert any("non-root USER" in p for p in problems(tmp_path, as_root, KINDS))


def test_the_images_before_this_rule_would_fail(tmp_path):
    """The single-stage service image of the earlier layout: HEALTHCHECK for every kind."""
    old = (
        "ARG BASE=crm/base:0.1.0\nFROM ${BASE}\nUSER crm\n"
        "HEALTHCHECK --interval=10s \\\n  CMD python -m crm_chassis.grpc.healthcheck 127.0.0.1:1\n"
        'CMD ["python", "-m", "api"]\n'
    )
    found = problems(tmp_path, old, KINDS)
    assert any("last stage must be `api`" in p for p in found)
    assert any("no stage `worker`" in p for p in found)
