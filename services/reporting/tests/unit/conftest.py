"""Fixtures of the reporting unit tests.

Helpers live in modules named reporting_* (unique across services, as the whole suite runs in one
process), found through this directory, which is put on sys.path here."""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from reporting_fakes import World


@pytest.fixture
def world() -> World:
    return World()


# The gRPC tests' fixtures (api, keys), offered to every module here.
from reporting_grpc_kit import api, keys  # noqa: E402, F401
