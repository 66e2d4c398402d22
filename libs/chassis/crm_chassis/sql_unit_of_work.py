"""The SQLAlchemy unit of work: one session, the service's repositories, and its outbox.

A use case does ``with deps.uow() as uow: ...; uow.commit()``. Leaving the block without commit
rolls back. Events are added with :meth:`emit` and become outbox rows in the same transaction as
the change, so a change is never committed without its events and no event escapes an
uncommitted change.

Services subclass :class:`SqlAlchemyUnitOfWork` and create their repositories in
:meth:`_open_repositories`. The abstract unit of work their service layer types against, the
fake for unit tests and the joined one for event handlers live in :mod:`crm_chassis.unit_of_work`
(free of sqlalchemy, which service layers may not import).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.context import Actor
from crm_chassis.outbox.writer import OutboxWriter
from crm_chassis.unit_of_work import AbstractUnitOfWork, Savepoint


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(
        self, session_factory: sessionmaker[Session], *, service_name: str, outbox: Table
    ) -> None:
        self._session_factory = session_factory
        self._service_name = service_name
        self._outbox_table = outbox
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.committed = False
        self.outbox = OutboxWriter(self.session, self._service_name, self._outbox_table)
        self._open_repositories(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        try:
            self.rollback()
        finally:
            self._open_session().close()
        return None

    def _open_repositories(self, session: Session) -> None:
        """Subclasses create their repositories on ``session`` here."""

    def _open_session(self) -> Session:
        if self.session is None:
            raise RuntimeError(f"{type(self).__name__} used outside its `with` block")
        return self.session

    def commit(self) -> None:
        self._open_session().commit()
        self.committed = True

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()

    def emit(
        self,
        event_type: str,
        message: Message,
        *,
        aggregate_type: str,
        aggregate_id: str,
        aggregate_version: int,
        actor: Actor | None = None,
    ) -> str:
        return self.outbox.add(
            event_type,
            message,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            actor=actor,
        )

    def begin_savepoint(self) -> Savepoint:
        return self._open_session().begin_nested()
