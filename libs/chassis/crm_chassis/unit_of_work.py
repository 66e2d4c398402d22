"""Unit of work as the application layer sees it: no database library imported here.

A use case does ``with uow: ...; uow.commit()``. Leaving the block without commit rolls back.
Events are added with :meth:`AbstractUnitOfWork.emit`; the SQLAlchemy implementation
(:mod:`crm_chassis.uow`) writes them as outbox rows in the same transaction as the change.
Service layers import this module (their import contracts forbid sqlalchemy); unit tests use
:class:`FakeUnitOfWorkBase`, which keeps committed events in a list.
"""
from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from crm_chassis.context import Actor


class AbstractUnitOfWork:
    """What a use case may rely on: enter/exit, commit, rollback, emit."""

    committed: bool = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.rollback()

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def emit(self, event_type: str, message: Message, *, aggregate_type: str, aggregate_id: str,
             aggregate_version: int, actor: Actor | None = None) -> str:
        raise NotImplementedError


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
