"""Fixtures of the deals unit tests.

Helpers live in modules named deals_* (unique across services, as the whole suite runs in one
process), found through this directory, which is put on sys.path here."""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

# The gRPC tests' fixtures (api, keys, deal), offered to every module here.
from deals_grpc_kit import api, deal, keys  # noqa: F401
from deals_testkit import World


@pytest.fixture
def world() -> World:
    return World()
