"""Test doubles of the chassis ports, for unit tests of use cases (no database, no broker).

- :class:`FixedClock`: a clock that stands still until the test moves it.
- :class:`SequentialIds`: ids ``<prefix>-1``, ``<prefix>-2``, ... in order of creation.
- :class:`FakeRepository` and :class:`FakeUnitOfWork`: in-memory repositories that behave like
  the database: writes become visible to other units of work only on commit, a rollback drops
  them, and what a read returns is a copy, so a use case that changes an aggregate but forgets
  to save it (or to commit) loses the change here as it would in production. Every committed
  version is kept, for repositories that read "as of" an instant.
- :class:`FakeUnitOfWorkBase` (re-exported from :mod:`crm_chassis.unit_of_work`): records the
  emitted events of committed units of work.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from crm_chassis.unit_of_work import FakeUnitOfWorkBase

__all__ = [
    "FakeRepository",
    "FakeUnitOfWork",
    "FakeUnitOfWorkBase",
    "FixedClock",
    "RepositoryStore",
    "SequentialIds",
]

T = TypeVar("T")


class FixedClock:
    """``now()`` is ``start`` until :meth:`advance` or :meth:`set` moves it. With a ``tick``,
    every reading first moves the clock on by ``tick``, so every change gets its own instant
    (as a database clock gives them); ``current`` is the last instant read."""

    def __init__(
        self,
        start: dt.datetime = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        *,
        tick: dt.timedelta = dt.timedelta(0),
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (the platform's clock is UTC)")
        self.current = start
        self.tick = tick

    def now(self) -> dt.datetime:
        self.current += self.tick
        return self.current

    def advance(self, delta: dt.timedelta = dt.timedelta(seconds=1)) -> dt.datetime:
        self.current += delta
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment


class SequentialIds:
    """``new_id()`` gives ``<prefix>-1``, ``<prefix>-2``, ...: predictable ids in assertions."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._next = 0

    def new_id(self) -> str:
        self._next += 1
        return f"{self._prefix}-{self._next}"


class RepositoryStore(Generic[T]):
    """The committed versions of every aggregate, per id, shared by every unit of work of one
    test (the fake's "database")."""

    def __init__(self) -> None:
        self.versions: dict[str, list[T]] = {}

    def latest(self, key: str) -> T | None:
        versions = self.versions.get(key)
        return versions[-1] if versions else None


class FakeRepository(Generic[T]):
    """In-memory repository of aggregates keyed by ``key(aggregate)`` (default: its ``id``).

    ``add``/``update`` are buffered until the unit of work commits (:meth:`flush`) and dropped on
    rollback (:meth:`discard`); reads see the buffer first, then the committed versions, and
    return copies. Subclasses add the service's queries on top of :meth:`all`.
    """

    def __init__(
        self,
        store: RepositoryStore[T],
        key: Callable[[T], str] = lambda aggregate: str(aggregate.id),  # type: ignore[attr-defined]
    ) -> None:
        self._store = store
        self._key = key
        self._pending: dict[str, T] = {}

    def add(self, aggregate: T) -> None:
        key = self._key(aggregate)
        if key in self._store.versions or key in self._pending:
            raise AssertionError(f"add() of an existing id {key!r}: use update()")
        self._pending[key] = copy.deepcopy(aggregate)

    def update(self, aggregate: T) -> None:
        key = self._key(aggregate)
        if key not in self._store.versions and key not in self._pending:
            raise AssertionError(f"update() of an unknown id {key!r}: use add()")
        self._pending[key] = copy.deepcopy(aggregate)

    def get(self, key: str) -> T | None:
        found = self._pending.get(key)
        if found is None:
            found = self._store.latest(key)
        return copy.deepcopy(found) if found is not None else None

    def versions(self, key: str) -> list[T]:
        """The committed versions of ``key``, oldest first (copies)."""
        return copy.deepcopy(self._store.versions.get(key, []))

    def all(self) -> Iterator[T]:
        """The latest version of every aggregate this unit of work sees (copies)."""
        for key in set(self._store.versions) | set(self._pending):
            found = self.get(key)
            if found is not None:
                yield found

    def flush(self) -> None:
        for key, aggregate in self._pending.items():
            self._store.versions.setdefault(key, []).append(aggregate)
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()


class FakeUnitOfWork(FakeUnitOfWorkBase):
    """A fake unit of work whose repositories are :class:`FakeRepository` instances.

    Subclasses create their repositories in :meth:`open_repositories` (called on every
    ``with``, on stores kept in ``self.stores`` across units of work) and return them; commit
    flushes them all, rollback discards them all::

        class FakeLeadsUnitOfWork(FakeUnitOfWork, LeadsUnitOfWork):
            def open_repositories(self):
                self.leads = FakeLeadRepository(self.store("leads"))
                return [self.leads]
    """

    def __init__(self) -> None:
        super().__init__()
        self.stores: dict[str, RepositoryStore[Any]] = {}
        self._repositories: list[FakeRepository[Any]] = []

    def store(self, name: str) -> RepositoryStore[Any]:
        return self.stores.setdefault(name, RepositoryStore())

    def open_repositories(self) -> list[FakeRepository[Any]]:
        return []

    def __enter__(self) -> Any:
        self._repositories = self.open_repositories()
        self.committed = False
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        self.rollback()
        return None

    def commit(self) -> None:
        for repository in self._repositories:
            repository.flush()
        super().commit()

    def rollback(self) -> None:
        for repository in self._repositories:
            repository.discard()
        super().rollback()
