"""The security suite: one platform (every service's real api, worker and relay on PostgreSQL and
RabbitMQ) for the folder, an organisation built through the public APIs, and the callers the
authorisation matrix speaks of. Helpers live in ``security_*`` modules (names no other test
folder uses: every folder's tests run in one process under --import-mode=importlib)."""

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="package")
def org(tmp_path_factory):
    """The platform and organisation, shared by the folder's tests and stopped after them (the
    folder is a package for that: the suites after it get the machine and the broker back)."""
    from security_platform import build_organisation, start_platform

    with start_platform(tmp_path_factory.mktemp("security-bed")) as bed:
        yield build_organisation(bed)
