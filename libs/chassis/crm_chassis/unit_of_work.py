"""Unit of work as the application layer sees it: no database library imported here.

A use case does ``with deps.uow() as uow: ...; uow.commit()``. Leaving the block without commit
rolls back. Events are added with :meth:`AbstractUnitOfWork.emit`; the SQLAlchemy implementation
(:mod:`crm_chassis.sql_unit_of_work`) writes them as outbox rows in the same transaction as the
change. Service layers import this module (their import contracts forbid sqlalchemy); unit tests
use :class:`FakeUnitOfWorkBase`, which keeps committed events in a list.

:class:`JoinedUnitOfWork` runs a use case inside a transaction someone else opened (an event
handler's, which also holds the inbox row): the use case's block is a SAVEPOINT, so its commit
keeps its work for the outer commit and its rollback undoes only its own work.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, Self

from google.protobuf.message import Message

from crm_chassis.context import Actor


class Savepoint(Protocol):
    """A nested transaction: ``commit`` keeps its work in the enclosing transaction (RELEASE),
    ``rollback`` undoes only its work (ROLLBACK TO)."""

    @property
    def is_active(self) -> bool: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class AbstractUnitOfWork:
    """What a use case may rely on: enter/exit, commit, rollback, emit."""

    committed: bool = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        self.rollback()
        return None

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

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
        raise NotImplementedError

    def begin_savepoint(self) -> Savepoint:
        """A savepoint in the open transaction (what :class:`JoinedUnitOfWork` builds on)."""
        raise NotImplementedError(f"{type(self).__name__} has no savepoints")


class _FakeSavepoint:
    """Undoes the events emitted since it began (fake repositories keep their own state)."""

    def __init__(self, uow: FakeUnitOfWorkBase) -> None:
        self._uow = uow
        self._mark = len(uow.pending)
        self.is_active = True

    def commit(self) -> None:
        self.is_active = False

    def rollback(self) -> None:
        del self._uow.pending[self._mark :]
        self.is_active = False


class FakeUnitOfWorkBase(AbstractUnitOfWork):
    """In-memory unit of work for unit tests: records emitted events and commits."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Message]] = []
        self.pending: list[tuple[str, Message]] = []
        self.commits = 0

    def commit(self) -> None:
        self.emitted.extend(self.pending)
        self.pending.clear()
        self.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self.pending.clear()

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
        from crm_chassis import events  # local: keeps fakes free of import cycles

        meta = events.stamp(
            message,
            producer="fake",
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            actor=actor,
        )
        self.pending.append((event_type, message))
        return str(meta.event_id)

    def begin_savepoint(self) -> Savepoint:
        return _FakeSavepoint(self)

    def emitted_types(self) -> list[str]:
        return [event_type for event_type, _ in self.emitted]


class JoinedUnitOfWork(AbstractUnitOfWork):
    """A use case's unit of work inside an open one (``outer``): same session, same repositories,
    same outbox, and never the outer commit.

    With ``savepoint=True`` (the default) entering begins a SAVEPOINT: ``commit`` releases it
    (the work waits for the outer commit), ``rollback`` or leaving without commit (an exception
    included) rolls back to it, so a use case that rolls back and then records a rejection
    commits the rejection together with the handler's inbox row, exactly once. After a commit
    or rollback a new savepoint begins, for work that follows in the same block.

    ``savepoint=False`` is for batch handlers that run many use cases in one transaction and
    cannot afford a savepoint per event: ``commit`` leaves the work to the handler's single
    commit, an exception aborts the whole batch (the handler's unit of work rolls back), and an
    explicit ``rollback`` is refused because only a savepoint could undo part of the batch.
    """

    def __init__(self, outer: AbstractUnitOfWork, *, savepoint: bool = True) -> None:
        self._outer = outer
        self._use_savepoints = savepoint
        self._savepoint: Savepoint | None = None

    def __getattr__(self, name: str) -> Any:
        # The outer unit of work's repositories and session: only reached for names this class
        # does not define.
        return getattr(self._outer, name)

    def __enter__(self) -> Any:
        self.committed = False
        if self._use_savepoints:
            self._savepoint = self._outer.begin_savepoint()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        savepoint, self._savepoint = self._savepoint, None
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        return None

    def commit(self) -> None:
        if self._use_savepoints:
            self._active_savepoint().commit()
            self._savepoint = self._outer.begin_savepoint()
        self.committed = True

    def rollback(self) -> None:
        if not self._use_savepoints:
            raise RuntimeError(
                "a use case joined without a savepoint cannot roll back part of "
                "the handler's transaction: join with savepoint=True"
            )
        self._active_savepoint().rollback()
        self._savepoint = self._outer.begin_savepoint()

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
        return self._outer.emit(
            event_type,
            message,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            actor=actor,
        )

    def begin_savepoint(self) -> Savepoint:
        return self._outer.begin_savepoint()

    def _active_savepoint(self) -> Savepoint:
        if self._savepoint is None:
            raise RuntimeError("JoinedUnitOfWork used outside its `with` block")
        return self._savepoint
