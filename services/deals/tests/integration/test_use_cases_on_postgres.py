"""The use-case unit tests again, on the SQL unit of work and PostgreSQL instead of the fakes.

Every repository method, the optimistic version checks, the JSON documents (exact decimals,
dates) and the transactional behaviour are exercised by the same scenarios the fakes pass; the
unit-test modules are imported here so pytest collects their tests a second time with this
module's ``world`` fixture. Tests that look inside the fake's state are left out (listed).
"""
from __future__ import annotations

import pathlib
import sys

import pytest
from sqlalchemy import text

from crm_chassis.db import make_session_factory

from crm_deals.adapters import orm
from crm_deals.adapters.unit_of_work import SqlDealsUnitOfWork

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "unit"))

import deals_testkit  # noqa: E402
from test_accounts_contacts import *  # noqa: E402,F401,F403
from test_activities import *  # noqa: E402,F401,F403
from test_automations import *  # noqa: E402,F401,F403
from test_conversions import *  # noqa: E402,F401,F403
from test_deal_lifecycle import *  # noqa: E402,F401,F403
from test_pipelines import *  # noqa: E402,F401,F403
from test_quotes_billing import *  # noqa: E402,F401,F403
from test_transfers import *  # noqa: E402,F401,F403
from test_visibility import *  # noqa: E402,F401,F403

pytestmark = pytest.mark.integration

# They read the fake's in-memory state, which the SQL unit of work does not have.
FAKE_STATE_TESTS = {"test_conversion_rejections_leave_nothing_behind",
                    "test_numbers_are_gap_free_per_year_cancelled_drafts_take_none"}


class RecordingSqlUnitOfWork(SqlDealsUnitOfWork):
    """The real unit of work, also remembering committed events as the fake does (the tests
    assert on them)."""

    def __init__(self, session_factory):
        super().__init__(session_factory)
        self.emitted, self._pending = [], []
        self.sessions = []
        self.commits = 0

    def _open_repositories(self, session):
        # Tests also read repositories outside a block (world.get): that re-opens the closed
        # session; the fixture closes every session at the end so TRUNCATE is not blocked.
        self.sessions.append(session)
        super()._open_repositories(session)

    def emit(self, event_type, message, **kwargs):
        self._pending.append((event_type, message))
        return super().emit(event_type, message, **kwargs)

    def commit(self):
        super().commit()
        self.commits += 1
        self.emitted.extend(self._pending)
        self._pending.clear()

    def rollback(self):
        self._pending.clear()
        super().rollback()

    def events(self, event_type):
        return [m for t, m in self.emitted if t == event_type]

    def emitted_types(self):
        return [t for t, _ in self.emitted]


@pytest.fixture
def world(request, engine, monkeypatch):
    if request.node.originalname in FAKE_STATE_TESTS:
        pytest.skip("reads the fake unit of work's in-memory state")
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE " + ", ".join(
            t.name for t in orm.metadata.sorted_tables)))
    session_factory = make_session_factory(engine)
    monkeypatch.setattr(deals_testkit, "FakeUnitOfWork",
                        lambda: RecordingSqlUnitOfWork(session_factory))
    world = deals_testkit.World()
    yield world
    for session in world.uow.sessions:
        session.close()
