"""Per-request (or per-event) context: who acts, and the request/trace ids to log and propagate.

Set by the gRPC interceptors for a call and by the event-handler wrapper for an event; read by
the unit of work (to stamp events with their actor and trace) and by the log processors.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """Who caused a change. ``kind`` is ``user``, ``service`` or ``system``."""

    id: str
    kind: str = "user"
    display_name: str = ""

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(id=component, kind="system", display_name=component)


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    trace_id: str = ""
    traceparent: str = ""
    actor: Actor | None = None
    #: time.monotonic() instant by which the gRPC call being served must be answered (the
    #: caller's deadline or the server's budget, whichever is first); None outside such a call.
    #: Calls to other services made meanwhile carry at most the time left (grpc.client).
    deadline: float | None = None

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "crm_request_context", default=None
)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext()


def peek() -> RequestContext | None:
    """The bound context, or None outside a request/event (no request id is invented)."""
    return _current.get()


def bind(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def new_traceparent() -> tuple[str, str]:
    """A W3C traceparent for a trace that starts here: (traceparent, trace_id)."""
    trace_id = uuid.uuid4().hex
    return f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01", trace_id


def trace_id_of(traceparent: str) -> str:
    parts = traceparent.split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else ""
