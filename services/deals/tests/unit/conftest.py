"""Fixtures of the deals unit tests.

Helpers live in modules named deals_* (unique across services, as the whole suite runs in one
process), found through this directory, which is put on sys.path here."""
from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from deals_testkit import World  # noqa: E402


@pytest.fixture
def world() -> World:
    return World()
