"""Integration fixtures of reporting: one throw-away PostgreSQL database migrated to head and an
engine on it; the unit tests' helpers (reporting_*) are found through their folder."""

from __future__ import annotations

import pathlib
import sys

from crm_reporting import migrate
from crm_testkit import database_fixtures

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "unit"))

database_url, engine = database_fixtures("reporting", migrate.upgrade)
