"""The real unit of work as the use-case tests need it (shared by deals' integration tests)."""

from __future__ import annotations

from sqlalchemy import text

from crm_deals.adapters import orm
from crm_deals.adapters.unit_of_work import SqlDealsUnitOfWork


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


def truncate_all(engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("TRUNCATE " + ", ".join(t.name for t in orm.metadata.sorted_tables))
        )
