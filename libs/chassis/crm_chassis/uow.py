"""Unit of work: one transaction, the service's repositories, and its outbox.

A use case does ``with uow: ...; uow.commit()``. Leaving the block without commit rolls back.
Events are added with :meth:`emit` and become outbox rows in the same transaction as the change,
so a change is never committed without its events and no event escapes an uncommitted change.

Services subclass :class:`SqlAlchemyUnitOfWork` and create their repositories in
:meth:`_open_repositories`. Their fake unit of work for unit tests subclasses
:class:`FakeUnitOfWorkBase`, which keeps emitted events in a list.
"""
from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.context import Actor
from crm_chassis.outbox.writer import OutboxWriter


class AbstractUnitOfWork:
    """What a use case may rely on: enter/exit, commit, rollback, emit."""

    committed: bool = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.rollback()

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def emit(self, event_type: str, message: Message, *, aggregate_type: str, aggregate_id: str,
             aggregate_version: int, actor: Actor | None = None) -> str:
        raise NotImplementedError


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], *, service_name: str,
                 outbox: Table):
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

    def __exit__(self, *exc_info):
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


class FakeUnitOfWorkBase(AbstractUnitOfWork):
    """In-memory unit of work for unit tests: records emitted events and commits."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any]] = []
        self._pending: list[tuple[str, Any]] = []
        self.commits = 0

    def commit(self) -> None:
        self.emitted.extend(self._pending)
        self._pending.clear()
        self.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self._pending.clear()

    def emit(self, event_type, message, *, aggregate_type, aggregate_id, aggregate_version,
             actor=None) -> str:
        from crm_chassis import events  # local: keeps fakes free of import cycles
        meta = events.stamp(message, producer="fake", event_type=event_type,
                            aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                            aggregate_version=aggregate_version, actor=actor)
        self._pending.append((event_type, message))
        return meta.event_id

    def emitted_types(self) -> list[str]:
        return [event_type for event_type, _ in self.emitted]
