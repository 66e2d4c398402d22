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
from typing import Any, Self

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis import context as _context
from crm_chassis import tracing
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
        self._span: tracing.Span | None = None
        self._span_token: Any = None

    def __enter__(self) -> Self:
        if tracing.enabled():  # one span a transaction; what it emits descends from it
            self._begin_span()
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
            if self._span is not None:
                self._end_span(exc)
        return None

    def _begin_span(self) -> None:
        bind = self._session_factory.kw.get("bind")
        span = self._span = tracing.start(
            f"{self._service_name} transaction",
            tracing.INTERNAL,
            attributes={"db.system": getattr(getattr(bind, "dialect", None), "name", "")},
        )
        if span is None:
            return
        ctx = _context.current()
        self._span_token = _context.bind(
            _context.RequestContext(
                request_id=ctx.request_id,
                trace_id=ctx.trace_id or span.traceparent[3:35],
                traceparent=span.traceparent,
                actor=ctx.actor,
                deadline=ctx.deadline,
            )
        )

    def _end_span(self, exc: BaseException | None) -> None:
        span, token, self._span, self._span_token = self._span, self._span_token, None, None
        if token is not None:
            try:
                _context.reset(token)
            except ValueError:  # left in another context (a generator closed elsewhere)
                pass
        if span is not None:
            span.set("db.committed", self.committed)
            span.end(f"{type(exc).__name__}: {exc}"[:300] if exc is not None else "")

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
