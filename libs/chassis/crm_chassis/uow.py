"""Unit of work: one transaction, the service's repositories, and its outbox.

A use case does ``with uow: ...; uow.commit()``. Leaving the block without commit rolls back.
Events are added with :meth:`emit` and become outbox rows in the same transaction as the change,
so a change is never committed without its events and no event escapes an uncommitted change.

Services subclass :class:`SqlAlchemyUnitOfWork` and create their repositories in
:meth:`_open_repositories`. Their fake unit of work for unit tests subclasses
:class:`crm_chassis.unit_of_work.FakeUnitOfWorkBase`.
"""
from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.outbox.writer import OutboxWriter

# Re-exported: the abstract and fake units of work live in a module free of sqlalchemy.
from crm_chassis.unit_of_work import AbstractUnitOfWork, FakeUnitOfWorkBase  # noqa: F401


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], *, service_name: str,
                 outbox: Table) -> None:
        self._session_factory = session_factory
        self._service_name = service_name
        self._outbox_table = outbox
        self.session: Session | None = None

    def __enter__(self):
        self.session = self._session_factory()
        self.committed = False
        self.outbox = OutboxWriter(self.session, self._service_name, self._outbox_table)
        self._open_repositories(self.session)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    def _open_repositories(self, session: Session) -> None:
        """Subclasses create their repositories on ``session`` here."""

    def commit(self) -> None:
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()

    def emit(self, event_type, message, *, aggregate_type, aggregate_id, aggregate_version,
             actor=None) -> str:
        return self.outbox.add(event_type, message, aggregate_type=aggregate_type,
                               aggregate_id=aggregate_id, aggregate_version=aggregate_version,
                               actor=actor)
